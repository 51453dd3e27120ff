# t0611-aws-chain: where credentials and region come from (environment,
# profiles in the credentials and config files), what a missing or wrong
# piece says, certificate checks, retries with backoff (connection refused,
# throttling) and usage errors of the EC2 tools.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/moto.sh"
plan 37

start_moto 127.0.5.12 5612 || { echo "Bail out! no moto_server"; exit 1; }
KEY=$AWS_ACCESS_KEY_ID SECRET=$AWS_SECRET_ACCESS_KEY
# probe: a read-only call (ec2-kill of a run that has nothing) -> "terminated 0"
probe() { run ec2-kill -r t0611; }
noenv() { env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$@"; }

# Environment.
probe
is "$rc.$(cat "$T/out")" "0.terminated 0" "keys from the environment"
AWS_SESSION_TOKEN=bogus-token probe
is "$rc" 1 "a session token moto does not know is refused"
noenv AWS_ACCESS_KEY_ID=$KEY ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc.$(cat "$T/err")" "1.ec2-kill: credentials: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not" \
	"half the keys: one clear line"
noenv ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 1 "no credentials anywhere: exit 1"
grep -q '^ec2-kill: credentials: none found: set AWS_ACCESS_KEY_ID' "$T/err"; ok $? "... saying where it looked"

# Shared credentials file, profiles.
mkdir -p "$HOME/.aws"
unset AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE
printf '# test\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n[other]\naws_access_key_id=AKIAOTHER\naws_secret_access_key=nope\n' \
	"$KEY" "$SECRET" >"$HOME/.aws/credentials"
chmod 600 "$HOME/.aws/credentials"
noenv ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc.$(cat "$T/out").$(cat "$T/err")" "0.terminated 0." "~/.aws/credentials [default], no warning at 0600"
chmod 644 "$HOME/.aws/credentials"
noenv ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 0 "readable by others still works"
grep -q 'warning: .*credentials is readable by others (mode 0644)' "$T/err"; ok $? "... with a warning"
chmod 600 "$HOME/.aws/credentials"
noenv AWS_PROFILE=other ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 1 "AWS_PROFILE=other picks the other (wrong) key"
grep -q 'AuthFailure' "$T/err"; ok $? "... and moto refuses it: AuthFailure"
! grep -q -e nope -e "$SECRET" "$T/err"; ok $? "no secret in the message"
mv "$HOME/.aws/credentials" "$T/creds"
noenv AWS_SHARED_CREDENTIALS_FILE="$T/creds" ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 0 "AWS_SHARED_CREDENTIALS_FILE"

# Config file: [profile x] with keys and region.
printf '[default]\nregion = us-west-2\n[profile cs]\nregion = ap-northeast-1\naws_access_key_id = %s\naws_secret_access_key = %s\ns3 =\n  max_concurrent_requests = 4\n' \
	"$KEY" "$SECRET" >"$T/config"
noenv AWS_CONFIG_FILE="$T/config" AWS_PROFILE=cs ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 0 "[profile cs] of AWS_CONFIG_FILE (keys there, nested s3 block skipped)"
env -u AWS_DEFAULT_REGION AWS_CONFIG_FILE="$T/config" AWS_PROFILE=cs ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 0 "region from [profile cs] of the config file"
printf '[default]\nno equals sign here\n' >"$T/bad"
noenv AWS_SHARED_CREDENTIALS_FILE="$T/bad" ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc.$(cat "$T/err")" "1.ec2-kill: $T/bad:2: line is neither [section] nor key = value" \
	"a malformed file: FILE:LINE, the line not echoed"
env -u AWS_DEFAULT_REGION ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 1 "no region anywhere: exit 1"
grep -q '^ec2-kill: region: none set' "$T/err"; ok $? "... saying so"
AWS_REGION='eu-west-1;x' probe
is "$rc.$(cat "$T/err")" "1.ec2-kill: region: not a region name: \"eu-west-1;x\"" "a bad region name is refused"

# Which region signs: AWS_REGION > AWS_DEFAULT_REGION > the profile's config
# (the scope in the Authorization header that test-aws-sign computes).
region_of() {
	printf 'DescribeVpcs\t20261123T000000Z\tAction=DescribeVpcs&Version=2016-11-15\n' |
		env "$@" "$BUILD/tests/test-aws-sign" | sed 's|.*Credential=[^/]*/[0-9]*/\([^/]*\)/.*|\1|'
}
is "$(region_of AWS_CONFIG_FILE="$T/config" AWS_REGION=sa-east-1 AWS_PROFILE=cs) $(region_of AWS_CONFIG_FILE="$T/config") $(region_of -u AWS_DEFAULT_REGION AWS_CONFIG_FILE="$T/config" AWS_PROFILE=cs) $(region_of -u AWS_DEFAULT_REGION AWS_CONFIG_FILE="$T/config")" \
	"sa-east-1 eu-west-1 ap-northeast-1 us-west-2" "region order: AWS_REGION, AWS_DEFAULT_REGION, [profile cs], [default]"

# TLS: without our CA the certificate is refused at once, no retry.
env -u AWS_CA_BUNDLE ec2-kill -r t0611 >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 1 "unknown CA: exit 1"
grep -q "^ec2-kill: DescribeInstances: $AWS_ENDPOINT_URL: .*certificate.*(attempt 1)\$" "$T/err"
ok $? "... certificate error, first attempt, not retried"
AWS_CA_BUNDLE="$T/missing.pem" probe
is "$rc" 1 "AWS_CA_BUNDLE naming no file: exit 1"

# Connection refused: retried with backoff, bounded by AWS_MAX_ATTEMPTS.
closed=$(free_port 127.0.5.12 5690)
start=$(date +%s.%N)
AWS_ENDPOINT_URL=https://127.0.5.12:$closed AWS_MAX_ATTEMPTS=4 probe
end=$(date +%s.%N)
is "$rc" 1 "connection refused: exit 1"
grep -q "^ec2-kill: DescribeInstances: https://127.0.5.12:$closed: .*(attempt 4)\$" "$T/err"; ok $? "... after 4 attempts"
ok "$(awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 10) }'; echo $?)" "... within the bound (backoff ceilings 0.5+1+2 s)"
AWS_MAX_ATTEMPTS=0 probe
is "$rc" 1 "AWS_MAX_ATTEMPTS=0 is refused"

# Throttling: RequestLimitExceeded / 503 retried, then success or a clear error.
tp=$(free_port 127.0.5.12 5640)
python3 "$TOP/tests/throttle-server.py" 127.0.5.12 "$tp" "$T/moto/srv.pem" "$T/moto/srv.key" 3 "$T/thr.log" &
track $!
wait_port 127.0.5.12 "$tp" 10
AWS_ENDPOINT_URL=https://127.0.5.12:$tp AWS_MAX_ATTEMPTS=5 probe
is "$rc.$(cat "$T/out")" "0.terminated 0" "throttled 3 times, then answered: success"
is "$(head -5 "$T/thr.log" | wc -l | tr -d ' ')" 5 "4 DescribeInstances tries + 1 poll reached the server"
AWS_ENDPOINT_URL=https://127.0.5.12:$tp AWS_MAX_ATTEMPTS=1 probe
is "$rc" 0 "no longer throttled: one attempt is enough"
tp=$(free_port 127.0.5.12 5650)
python3 "$TOP/tests/throttle-server.py" 127.0.5.12 "$tp" "$T/moto/srv.pem" "$T/moto/srv.key" 99 "$T/thr2.log" &
track $!
wait_port 127.0.5.12 "$tp" 10
AWS_ENDPOINT_URL=https://127.0.5.12:$tp AWS_MAX_ATTEMPTS=3 probe
is "$rc.$(cat "$T/err")" \
	"1.ec2-kill: DescribeInstances: RequestLimitExceeded: Request limit exceeded. (request id req-3)" \
	"throttled for good: the last error, its request id, exit 1"
is "$(wc -l <"$T/thr2.log" | tr -d ' ')" 3 "... after exactly AWS_MAX_ATTEMPTS=3 tries"

# A status 200 with a document that is no DescribeInstances answer (an error
# document, a proxy's page) is an error, not an empty answer (ec2-kill said
# "terminated 0" and exit 0); an error message of several lines is one line.
for answer in foreign multiline; do
	tp=$(free_port 127.0.5.12 5660)
	python3 "$TOP/tests/throttle-server.py" 127.0.5.12 "$tp" "$T/moto/srv.pem" "$T/moto/srv.key" 0 "$T/$answer.log" $answer &
	track $!
	wait_port 127.0.5.12 "$tp" 10
	AWS_ENDPOINT_URL=https://127.0.5.12:$tp AWS_MAX_ATTEMPTS=1 probe
	stop_pid $!
	case $answer in
	foreign) want="ec2-kill: DescribeInstances: unexpected response <Response> (want <DescribeInstancesResponse>)" ;;
	*) want="ec2-kill: DescribeInstances: UnauthorizedOperation: line one line two (request id req-1)" ;;
	esac
	is "$rc|$(cat "$T/out")|$(cat "$T/err")" "1||$want" "$answer answer: exit 1, one line, nothing on stdout"
done

# Usage errors exit 2.
expect_fail 2 "^usage: vpc-make -r run -c operator-cidr" "vpc-make without -c" vpc-make -r x
expect_fail 2 "would open ssh to every address" "vpc-make refuses 0.0.0.0/0" vpc-make -r x -c 0.0.0.0/0
expect_fail 2 "run id may hold only" "a bad run id" ec2-run -r 'a b' -n 2 -u 10
expect_fail 2 "^ec2-run: -n: must be a number from 1 to 235" "HOSTS beyond the private subnet" ec2-run -r x -n 236 -u 1000
stop_moto
done_testing
