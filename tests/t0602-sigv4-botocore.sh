# t0602-sigv4-botocore: the Authorization headers of real requests of our
# tools (a provision and destroy, traced with CELLSTRESS_AWS_TRACE) equal
# botocore's SigV4Auth for the same time, body, credentials and endpoint;
# also with a session token and another region. The requests go to
# moto_server, which checks every signature too, or where moto is missing to
# the canned EC2 peer (tests/aws-canned.py). Skipped where python3 has no
# botocore, naming what to install.
. "$(dirname "$0")/helper/lib.sh"
. "$(dirname "$0")/helper/moto.sh"
python3 -c 'import botocore' 2>/dev/null || {
	echo "1..0 # SKIP botocore not found by $(command -v python3): apt-get install python3-botocore (or pip install botocore) to compare SigV4 with botocore"
	exit 0
}

export CELLSTRESS_AWS_TRACE="$T/trace"
why=$(moto_missing)
if [ -z "$why" ]; then
	moto_fixture 127.0.5.11 5611
	R=t0602 PEER="moto's credentials"
	vpc-make -r $R -c 203.0.113.0/24 >/dev/null &&
	ec2-run -r $R -n 2 -u 10 -k "$T/id.pub" -a "$AMI" >/dev/null 2>"$T/run.err" &&
	ec2-kill -r $R >/dev/null && vpc-delete -r $R >/dev/null
	ok $? "provision and destroy with tracing (every request signature-checked by moto)"
else
	diag "$why; the requests go to the canned EC2 peer instead"
	start_canned 127.0.5.11 5611 || { ok 1 "canned EC2 peer started"; exit 1; }
	ssh-keygen -q -t ed25519 -N '' -C cellstress-test -f "$T/id" </dev/null
	R=t0612 PEER="the canned peer's credentials"    # the run of tests/data/ec2
	scene vpc-make && vpc-make -r $R -c 203.0.113.0/24 >/dev/null &&
	scene ec2-run && ec2-run -r $R -n 3 -u 30 -k "$T/id.pub" >/dev/null 2>"$T/run.err" &&
	scene ec2-kill && ec2-kill -r $R >/dev/null && scene vpc-delete && vpc-delete -r $R >/dev/null
	ok $? "provision and destroy with tracing (canned answers)"
fi
unset CELLSTRESS_AWS_TRACE
is "$(stat -c %a "$T/trace")" 600 "trace file is 0600"
! grep -q -e "$AWS_SECRET_ACCESS_KEY" -e 'Signature=' "$T/trace"
ok $? "trace holds no secret and no signature"
n=$(wc -l <"$T/trace")
actions=$(cut -f1 "$T/trace" | sort -u | tr '\n' ' ')
diag "$n requests: $actions"
missing=""
for a in CreateVpc CreateSecurityGroup AuthorizeSecurityGroupIngress ImportKeyPair RunInstances \
	DescribeInstances TerminateInstances DeleteVpc; do
	case " $actions " in *" $a "*) ;; *) missing="$missing $a";; esac
done
is "$missing" "" "the trace holds every kind of call that carries tags, blobs, spaces or lists"

compare() {
	"$BUILD/tests/test-aws-sign" <"$T/trace" >"$T/ours" 2>"$T/ours.err"
	python3 "$TOP/tests/helper/botocore-sign.py" <"$T/trace" >"$T/boto" 2>"$T/boto.err" || sed "s/^/# /" "$T/boto.err" | tail -5
	is "$(wc -l <"$T/ours").$(wc -l <"$T/boto")" "$n.$n" "$1: both signed all $n requests"
	if cmp -s "$T/ours" "$T/boto"; then ok 0 "$1: identical Authorization headers"
	else ok 1 "$1: identical Authorization headers"; diff "$T/ours" "$T/boto" | head -6 | sed 's/^/# /'; fi
}
compare "$PEER"
AWS_SESSION_TOKEN='FQoGZXIvYXdzE//token+with/slashes=' compare "with a session token"
AWS_DEFAULT_REGION=ap-northeast-1 AWS_ENDPOINT_URL=https://ec2.ap-northeast-1.amazonaws.com \
	compare "Tokyo endpoint, default port"
stop_moto
done_testing
