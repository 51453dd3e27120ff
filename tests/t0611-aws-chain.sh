# t0611-aws-chain: where credentials and region come from (environment,
# profiles in the credentials and config files): the key id, region and
# token that each request carried, as a canned EC2 peer (tests/aws-canned.py)
# logged them; what a missing or wrong piece says; certificate checks,
# retries with backoff (connection refused, throttling) and usage errors of
# the EC2 tools. None of that needs moto; the last cases, that moto_server
# accepts the right key and refuses a wrong one, run where moto is.
. "$(dirname "$0")/helper/lib.sh"
. "$(dirname "$0")/helper/moto.sh"

start_canned 127.0.5.12 5612 || { ok 1 "canned EC2 peer started"; exit 1; }
KEY=$AWS_ACCESS_KEY_ID SECRET=$AWS_SECRET_ACCESS_KEY
# kill0 [ENV...]: a read-only call (ec2-kill of a run that has nothing ->
# "terminated 0"), the environment changed as env(1) does; probe [ENV...]:
# kill0 against a fresh path of the canned scene $PEER (default: empty).
kill0() { run env "$@" ec2-kill -r t0611; }
probe() { scene "${PEER:-empty}"; kill0 "$@"; }
# used: "key region token" of the requests of the last probe (one line when
# they all agree).
used() { canned_log | cut -f3- | sort -u | tr '\t' ' '; }
NOENV="-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY"

# Environment.
probe
is "$rc.$(cat "$T/out")" "0.terminated 0" "keys from the environment"
is "$(used)" "$KEY eu-west-1 -" "... every request signed with AWS_ACCESS_KEY_ID for AWS_DEFAULT_REGION, no token"
probe AWS_SESSION_TOKEN=bogus-token
is "$rc.$(used)" "0.$KEY eu-west-1 token" "AWS_SESSION_TOKEN is sent with the key"
probe $NOENV AWS_ACCESS_KEY_ID=$KEY
is "$rc.$(cat "$T/err")" "1.ec2-kill: credentials: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not" \
	"half the keys: one clear line"
probe $NOENV
is "$rc" 1 "no credentials anywhere: exit 1"
grep -q '^ec2-kill: credentials: none found: set AWS_ACCESS_KEY_ID' "$T/err"; ok $? "... saying where it looked"
is "$(used)" "" "... before any request"

# Shared credentials file, profiles.
mkdir -p "$HOME/.aws"
unset AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE
FKEY=AKIAFILEDEFAULT00001 FSECRET=file/default/secret/0123456789abcdefghij
printf '# test\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n[other]\naws_access_key_id=AKIAOTHER\naws_secret_access_key=nope\n' \
	"$FKEY" "$FSECRET" >"$HOME/.aws/credentials"
chmod 600 "$HOME/.aws/credentials"
probe $NOENV
is "$rc.$(cat "$T/out").$(cat "$T/err")" "0.terminated 0." "~/.aws/credentials [default], no warning at 0600"
is "$(used)" "$FKEY eu-west-1 -" "... its key signs"
probe
is "$(used)" "$KEY eu-west-1 -" "the environment's keys come before the file's"
chmod 644 "$HOME/.aws/credentials"
probe $NOENV
is "$rc" 0 "readable by others still works"
grep -q 'warning: .*credentials is readable by others (mode 0644)' "$T/err"; ok $? "... with a warning"
chmod 600 "$HOME/.aws/credentials"
probe $NOENV AWS_PROFILE=other
is "$rc.$(used)" "0.AKIAOTHER eu-west-1 -" "AWS_PROFILE=other picks the other key"
PEER=authfailure probe $NOENV AWS_PROFILE=other
is "$rc" 1 "a key the peer refuses (AuthFailure): exit 1"
! grep -q -e nope -e "$FSECRET" -e "$SECRET" "$T/err" "$T/out"; ok $? "... no secret in the message"
mv "$HOME/.aws/credentials" "$T/creds"
probe $NOENV AWS_SHARED_CREDENTIALS_FILE="$T/creds"
is "$rc.$(used)" "0.$FKEY eu-west-1 -" "AWS_SHARED_CREDENTIALS_FILE"

# Config file: [profile x] with keys and region.
CKEY=AKIACONFIGPROFILECS1
printf '[default]\nregion = us-west-2\n[profile cs]\nregion = ap-northeast-1\naws_access_key_id = %s\naws_secret_access_key = %s\ns3 =\n  max_concurrent_requests = 4\n' \
	"$CKEY" config/cs/secret >"$T/config"
probe $NOENV AWS_CONFIG_FILE="$T/config" AWS_PROFILE=cs
is "$rc.$(used)" "0.$CKEY eu-west-1 -" "[profile cs] of AWS_CONFIG_FILE (keys there, nested s3 block skipped)"
probe -u AWS_DEFAULT_REGION AWS_CONFIG_FILE="$T/config" AWS_PROFILE=cs
is "$rc.$(used)" "0.$KEY ap-northeast-1 -" "region from [profile cs] of the config file"
printf '[default]\nno equals sign here\n' >"$T/bad"
probe $NOENV AWS_SHARED_CREDENTIALS_FILE="$T/bad"
is "$rc.$(cat "$T/err")" "1.ec2-kill: $T/bad:2: line is neither [section] nor key = value" \
	"a malformed file: FILE:LINE, the line not echoed"
probe -u AWS_DEFAULT_REGION
is "$rc" 1 "no region anywhere: exit 1"
grep -q '^ec2-kill: region: none set' "$T/err"; ok $? "... saying so"
probe AWS_REGION='eu-west-1;x'
is "$rc.$(cat "$T/err")" "1.ec2-kill: region: not a region name: \"eu-west-1;x\"" "a bad region name is refused"
is "$(used)" "" "... before any request"

# Which region signs: AWS_REGION > AWS_DEFAULT_REGION > the profile's config,
# read from the scope of the requests' Credential.
region_of() { probe "$@"; used | cut -d ' ' -f2; }
is "$(region_of AWS_CONFIG_FILE="$T/config" AWS_REGION=sa-east-1 AWS_PROFILE=cs) $(region_of AWS_CONFIG_FILE="$T/config") $(region_of -u AWS_DEFAULT_REGION AWS_CONFIG_FILE="$T/config" AWS_PROFILE=cs) $(region_of -u AWS_DEFAULT_REGION AWS_CONFIG_FILE="$T/config")" \
	"sa-east-1 eu-west-1 ap-northeast-1 us-west-2" "region order: AWS_REGION, AWS_DEFAULT_REGION, [profile cs], [default]"
# ... and test-aws-sign (what t0602 compares with botocore) agrees.
sign_region() {
	printf 'DescribeVpcs\t20261123T000000Z\tAction=DescribeVpcs&Version=2016-11-15\n' |
		env "$@" "$BUILD/tests/test-aws-sign" | sed 's|.*Credential=[^/]*/[0-9]*/\([^/]*\)/.*|\1|'
}
is "$(sign_region AWS_CONFIG_FILE="$T/config" AWS_REGION=sa-east-1 AWS_PROFILE=cs) $(sign_region AWS_CONFIG_FILE="$T/config") $(sign_region -u AWS_DEFAULT_REGION AWS_CONFIG_FILE="$T/config" AWS_PROFILE=cs) $(sign_region -u AWS_DEFAULT_REGION AWS_CONFIG_FILE="$T/config")" \
	"sa-east-1 eu-west-1 ap-northeast-1 us-west-2" "the same order in test-aws-sign"

# TLS: without our CA the certificate is refused at once, no retry.
probe -u AWS_CA_BUNDLE
is "$rc" 1 "unknown CA: exit 1"
grep -q "^ec2-kill: DescribeInstances: $AWS_ENDPOINT_URL: .*certificate.*(attempt 1)\$" "$T/err"
ok $? "... certificate error, first attempt, not retried"
probe AWS_CA_BUNDLE="$T/missing.pem"
is "$rc" 1 "AWS_CA_BUNDLE naming no file: exit 1"

# Connection refused: retried with backoff, bounded by AWS_MAX_ATTEMPTS.
closed=$(free_port 127.0.5.12 5690)
start=$(date +%s.%N)
kill0 AWS_ENDPOINT_URL=https://127.0.5.12:$closed AWS_MAX_ATTEMPTS=4
end=$(date +%s.%N)
is "$rc" 1 "connection refused: exit 1"
grep -q "^ec2-kill: DescribeInstances: https://127.0.5.12:$closed: .*(attempt 4)\$" "$T/err"; ok $? "... after 4 attempts"
ok "$(awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 10) }'; echo $?)" "... within the bound (backoff ceilings 0.5+1+2 s)"
probe AWS_MAX_ATTEMPTS=0
is "$rc" 1 "AWS_MAX_ATTEMPTS=0 is refused"

# Throttling: RequestLimitExceeded / 503 retried, then success or a clear error.
PEER=throttled probe AWS_MAX_ATTEMPTS=5
is "$rc.$(cat "$T/out")" "0.terminated 0" "throttled 3 times, then answered: success"
is "$(canned_log | wc -l | tr -d ' ')" 5 "4 DescribeInstances tries + 1 poll reached the peer"
kill0 AWS_MAX_ATTEMPTS=1
is "$rc.$(canned_log | wc -l | tr -d ' ')" "0.7" "no longer throttled: one attempt is enough"
PEER=throttled-for-good probe AWS_MAX_ATTEMPTS=3
is "$rc.$(cat "$T/err")" \
	"1.ec2-kill: DescribeInstances: RequestLimitExceeded: Request limit exceeded. (request id $(canned_rid error-RequestLimitExceeded-3.xml))" \
	"throttled for good: the last error, its request id, exit 1"
is "$(canned_log | wc -l | tr -d ' ')" 3 "... after exactly AWS_MAX_ATTEMPTS=3 tries"

# A status 200 with a document that is no DescribeInstances answer (an error
# document, a proxy's page) is an error, not an empty answer (ec2-kill said
# "terminated 0" and exit 0); an error message of several lines is one line.
PEER=foreign probe AWS_MAX_ATTEMPTS=1
is "$rc|$(cat "$T/out")|$(cat "$T/err")" \
	"1||ec2-kill: DescribeInstances: unexpected response <Response> (want <DescribeInstancesResponse>)" \
	"foreign answer: exit 1, one line, nothing on stdout"
PEER=multiline probe AWS_MAX_ATTEMPTS=1
is "$rc|$(cat "$T/out")|$(cat "$T/err")" \
	"1||ec2-kill: DescribeInstances: UnauthorizedOperation: You are not authorized to perform this operation. Encoded authorization failure message: 4GIOHlTkIaWHQD0Q0m6XSnuUMCm-zFcaB2F7Ec0tRJHKZWFpnJpyPPnfYGYpZHfqsPUfqWUaMPYo1L8bNTDAM (request id $(canned_rid error-UnauthorizedOperation.xml))" \
	"multiline answer: exit 1, one line, nothing on stdout"

# Usage errors exit 2.
expect_fail 2 "^usage: vpc-make -r run -c operator-cidr" "vpc-make without -c" vpc-make -r x
expect_fail 2 "would open ssh to every address" "vpc-make refuses 0.0.0.0/0" vpc-make -r x -c 0.0.0.0/0
expect_fail 2 "run id may hold only" "a bad run id" ec2-run -r 'a b' -n 2 -u 10
expect_fail 2 "^ec2-run: -n: must be a number from 1 to 235" "HOSTS beyond the private subnet" ec2-run -r x -n 236 -u 1000
stop_pid "$CANNED_PID"

# moto_server, which checks every signature, accepts the right key from each
# place and refuses a wrong one.
why=$(moto_missing)
if [ -n "$why" ]; then
	skip 9 "$why"
	done_testing
	exit
fi
start_moto 127.0.5.12 5612 || { ok 1 "moto_server started"; exit 1; }
KEY=$AWS_ACCESS_KEY_ID SECRET=$AWS_SECRET_ACCESS_KEY
kill0
is "$rc.$(cat "$T/out")" "0.terminated 0" "moto: keys from the environment accepted"
kill0 AWS_SESSION_TOKEN=bogus-token
is "$rc" 1 "moto: a session token moto does not know is refused"
mkdir -p "$HOME/.aws"
unset AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n[other]\naws_access_key_id=AKIAOTHER\naws_secret_access_key=nope\n' \
	"$KEY" "$SECRET" >"$T/creds"
chmod 600 "$T/creds"
cp -p "$T/creds" "$HOME/.aws/credentials"
kill0 $NOENV
is "$rc.$(cat "$T/out")" "0.terminated 0" "moto: ~/.aws/credentials [default] accepted"
kill0 $NOENV AWS_PROFILE=other
is "$rc" 1 "moto: AWS_PROFILE=other (a wrong key) refused"
grep -q 'AuthFailure' "$T/err"; ok $? "... AuthFailure"
! grep -q -e nope -e "$SECRET" "$T/err"; ok $? "... no secret in the message"
kill0 $NOENV AWS_SHARED_CREDENTIALS_FILE="$T/creds" HOME="$T/nowhere"
is "$rc" 0 "moto: AWS_SHARED_CREDENTIALS_FILE accepted"
printf '[default]\nregion = us-west-2\n[profile cs]\nregion = ap-northeast-1\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$KEY" "$SECRET" >"$T/config"
kill0 $NOENV AWS_CONFIG_FILE="$T/config" AWS_PROFILE=cs HOME="$T/nowhere"
is "$rc" 0 "moto: keys of [profile cs] in AWS_CONFIG_FILE accepted"
kill0 -u AWS_DEFAULT_REGION AWS_CONFIG_FILE="$T/config" AWS_PROFILE=cs
is "$rc" 0 "moto: signed for the region of [profile cs] (ap-northeast-1): accepted"
stop_moto
done_testing
