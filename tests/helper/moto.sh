# moto.sh: the EC2 peers of the AWS tests (sourced after lib.sh): a private
# moto_server that checks every request's SigV4 signature, where moto is
# installed (pip, not a Debian package), and everywhere a canned peer
# (tests/helper/aws-canned.py) answering from tests/data/ec2. Both over TLS on
# loopback with a CA made by tls_certs, with HOME and the AWS config files in
# $T, so nothing from the machine's own ~/.aws is read and no real AWS
# endpoint is ever used.

# moto_missing: why the moto-backed tests cannot run here (one line), or
# nothing. need_moto: skip the whole test file (TAP "1..0 # SKIP why") unless
# they can; call it before plan.
moto_missing() {
	if ! command -v moto_server >/dev/null 2>&1; then
		echo "moto_server not found: pip install 'moto[server]' to run the AWS tests"
	elif ! command -v aws >/dev/null 2>&1; then
		echo "aws CLI not found: pip install awscli to run the AWS tests"
	elif ! python3 -c 'import boto3' 2>/dev/null; then
		echo "boto3 not found by $(command -v python3): pip install boto3 to run the AWS tests"
	fi
}
need_moto() {
	local why
	why=$(moto_missing)
	[ -z "$why" ] || { echo "1..0 # SKIP $why"; exit 0; }
}

# skip N REASON: N cases that cannot run here, as TAP skips (counted like
# lib.sh's ok).
skip() {
	local i
	for i in $(seq "$1"); do _n=$((_n + 1)); echo "ok $_n # skip $2"; done
}

# free_port ADDR BASE: the first port from BASE (up to BASE+99) where nothing
# listens on ADDR, so two copies of a test (two worktrees) do not collide.
free_port() {
	local p
	for p in $(seq "$2" $(($2 + 99))); do
		(exec 3<>"/dev/tcp/$1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# tls_certs ADDR: a CA ($TLS/ca.pem) and a certificate for ADDR signed by it
# ($TLS/srv.pem, key $TLS/srv.key), made once with the openssl CLI; sets TLS.
tls_certs() {
	TLS="$T/tls/$1"
	[ -s "$TLS/srv.pem" ] && return 0
	mkdir -p "$TLS"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TLS/ca.key" -out "$TLS/ca.pem" -days 2 -subj /CN=cellstress-test-ca 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TLS/srv.key" -out "$TLS/srv.csr" -subj "/CN=$1" 2>/dev/null &&
	printf 'subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		"$1" >"$TLS/ext" &&
	openssl x509 -req -in "$TLS/srv.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" \
		-CAcreateserial -out "$TLS/srv.pem" -days 2 -extfile "$TLS/ext" 2>/dev/null ||
		{ diag "openssl could not make the test certificates"; rm -f "$TLS/srv.pem"; return 1; }
	chmod 600 "$TLS/ca.key" "$TLS/srv.key"
}

moto_env() {
	export HOME="$T/home"
	mkdir -p "$HOME"
	unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_EC2 AWS_REGION
	export AWS_SHARED_CREDENTIALS_FILE="$T/home/no-credentials"
	export AWS_CONFIG_FILE="$T/home/no-config"
	export AWS_DEFAULT_REGION=eu-west-1
	export AWS_MAX_ATTEMPTS=3
	export AWS_PAGER=""
}

# start_moto ADDR PORT:
#  - starts moto_server -H ADDR -p PORT (or the next free port) with
#    tls_certs' certificate and INITIAL_NO_AUTH_ACTION_COUNT=4, tracked and
#    stopped by PID,
#  - spends the 4 unauthenticated calls on an IAM user, its access key, an
#    allow-all policy and its attachment (aws CLI),
#  - exports the user's key as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (env
#    only, never argv), AWS_ENDPOINT_URL=https://ADDR:PORT, AWS_CA_BUNDLE and
#    a region (moto_env).
# From then on moto checks the SigV4 signature of every request.
start_moto() {
	local addr=$1 port d="$T/moto"
	port=$(free_port "$addr" "$2") || { diag "no free port on $addr"; return 1; }
	tls_certs "$addr" || return 1
	mkdir -p "$d"
	INITIAL_NO_AUTH_ACTION_COUNT=4 moto_server -H "$addr" -p "$port" \
		-c "$TLS/srv.pem" -k "$TLS/srv.key" >"$d/log" 2>&1 &
	MOTO_PID=$!
	track "$MOTO_PID"
	wait_port "$addr" "$port" 30 && sleep 0.2 && kill -0 "$MOTO_PID" 2>/dev/null ||
		{ diag "moto_server did not start"; cat "$d/log" >&2; return 1; }
	moto_env
	export AWS_CA_BUNDLE="$TLS/ca.pem"
	export AWS_ENDPOINT_URL="https://$addr:$port"
	# The bootstrap calls are not checked: any key does.
	AWS_ACCESS_KEY_ID=bootstrap AWS_SECRET_ACCESS_KEY=bootstrap sh -c '
		umask 077
		aws iam create-user --user-name cellstress >/dev/null &&
		aws iam create-access-key --user-name cellstress \
			--query "AccessKey.[AccessKeyId,SecretAccessKey]" --output text >"$1" &&
		aws iam create-policy --policy-name allow-all --policy-document \
			"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}" \
			>/dev/null &&
		aws iam attach-user-policy --user-name cellstress \
			--policy-arn arn:aws:iam::123456789012:policy/allow-all' sh "$d/key" ||
		{ diag "IAM bootstrap against moto failed"; return 1; }
	read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY <"$d/key"
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	[ -n "$AWS_SECRET_ACCESS_KEY" ] || { diag "no access key from moto"; return 1; }
}

# aws_left: ids of everything tagged by any cellstress run that is still
# there (instances not terminated, VPCs, subnets, groups, route tables,
# gateways, key pairs) and of any VPC 10.0.0.0/16, on one line; "" = none.
aws_left() { python3 "$TOP/tests/helper/aws-left.py"; }

# stop_moto: moto_server takes seconds to exit on SIGTERM (more on a loaded
# machine than lib.sh's 5 s grace): give it 30 before SIGKILL.
stop_moto() {
	kill "${MOTO_PID:-}" 2>/dev/null || return 0
	for _ in $(seq 300); do kill -0 "$MOTO_PID" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$MOTO_PID" 2>/dev/null; return 0
}

# moto_fixture ADDR PORT: start_moto (when it fails, one "not ok" and the
# test file ends: the other files still run), then $AMI, an image moto
# knows, and the operator's key pair $T/id(.pub).
moto_fixture() {
	start_moto "$1" "$2" || { ok 1 "moto_server started"; exit 1; }
	AMI=$(awsq ec2 describe-images --query 'Images[0].ImageId')
	ssh-keygen -q -t ed25519 -N '' -C cellstress-test -f "$T/id" </dev/null
}

# awsq ARGS...: the aws CLI, text output, against the test moto.
awsq() { aws "$@" --output text; }

# start_canned ADDR PORT: tests/helper/aws-canned.py on ADDR:PORT (or the next free
# port) answering from tests/data/ec2, tracked by PID; its request log is
# $CANNED_LOG. Exports moto_env's settings, the CA, and AWS's documented
# example key as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. Then `scene NAME`
# points AWS_ENDPOINT_URL at a fresh path of scene NAME (tests/data/ec2/
# NAME.answers), and canned_log prints the log lines of that path.
start_canned() {
	local addr=$1 port
	port=$(free_port "$addr" "$2") || { diag "no free port on $addr"; return 1; }
	tls_certs "$addr" || return 1
	CANNED_LOG="$T/canned.log"
	: >"$CANNED_LOG"
	python3 "$TOP/tests/helper/aws-canned.py" "$addr" "$port" "$TLS/srv.pem" "$TLS/srv.key" \
		"$TOP/tests/data/ec2" "$CANNED_LOG" 2>"$T/canned.err" &
	CANNED_PID=$!
	track "$CANNED_PID"
	wait_port "$addr" "$port" 10 && kill -0 "$CANNED_PID" 2>/dev/null ||
		{ diag "aws-canned.py did not start: $(head -c 300 "$T/canned.err")"; return 1; }
	moto_env
	export AWS_CA_BUNDLE="$TLS/ca.pem"
	export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
	export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
	CANNED_URL="https://$addr:$port"
}

scene() {
	echo "$1" >>"$T/scenes"     # counted in a file: $(...) subshells too
	CANNED_PATH="/$1/$(wc -l <"$T/scenes")"
	export AWS_ENDPOINT_URL="$CANNED_URL$CANNED_PATH"
}

canned_log() { awk -F '\t' -v p="$CANNED_PATH" '$1 == p' "$CANNED_LOG"; }

# canned_rid FILE: the request id of the canned error answer FILE.
canned_rid() { sed -n 's/.*<RequestID>\(.*\)<\/RequestID>.*/\1/p' "$TOP/tests/data/ec2/$1"; }
