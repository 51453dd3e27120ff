# moto.sh: a private moto_server over TLS with signature checking on, for the
# AWS tests (sourced after lib.sh). start_moto ADDR PORT:
#  - makes a CA and a server certificate for ADDR in $T with the openssl CLI,
#  - starts moto_server -H ADDR -p PORT with that certificate and
#    INITIAL_NO_AUTH_ACTION_COUNT=4, tracked and stopped by PID,
#  - spends the 4 unauthenticated calls on an IAM user, its access key, an
#    allow-all policy and its attachment (aws CLI),
#  - exports the user's key as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (env
#    only, never argv), AWS_ENDPOINT_URL=https://ADDR:PORT, AWS_CA_BUNDLE and a
#    region; HOME and the AWS config files point into $T, so nothing from the
#    machine's own ~/.aws is read and no real AWS endpoint is ever used.
# From then on moto checks the SigV4 signature of every request.

# free_port ADDR BASE: the first port from BASE (up to BASE+99) where nothing
# listens on ADDR, so two copies of a test (two worktrees) do not collide.
free_port() {
	local p
	for p in $(seq "$2" $(($2 + 99))); do
		(exec 3<>"/dev/tcp/$1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
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

start_moto() {
	local addr=$1 port d="$T/moto"
	port=$(free_port "$addr" "$2") || { diag "no free port on $addr"; return 1; }
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj /CN=cellstress-test-ca 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/srv.key" -out "$d/srv.csr" -subj "/CN=$addr" 2>/dev/null &&
	printf 'subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		"$addr" >"$d/ext" &&
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/srv.pem" -days 2 -extfile "$d/ext" 2>/dev/null ||
		{ diag "openssl could not make the test certificates"; return 1; }
	chmod 600 "$d/ca.key" "$d/srv.key"
	INITIAL_NO_AUTH_ACTION_COUNT=4 moto_server -H "$addr" -p "$port" \
		-c "$d/srv.pem" -k "$d/srv.key" >"$d/log" 2>&1 &
	MOTO_PID=$!
	track "$MOTO_PID"
	wait_port "$addr" "$port" 30 && sleep 0.2 && kill -0 "$MOTO_PID" 2>/dev/null ||
		{ diag "moto_server did not start"; cat "$d/log" >&2; return 1; }
	moto_env
	export AWS_CA_BUNDLE="$d/ca.pem"
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
aws_left() { python3 "$TOP/tests/aws-left.py"; }

# stop_moto: moto_server takes seconds to exit on SIGTERM (more on a loaded
# machine than lib.sh's 5 s grace): give it 30 before SIGKILL.
stop_moto() {
	kill "$MOTO_PID" 2>/dev/null || return 0
	for _ in $(seq 300); do kill -0 "$MOTO_PID" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$MOTO_PID" 2>/dev/null; return 0
}

# moto_fixture ADDR PORT: start_moto (a test that cannot have it bails out),
# then $AMI, an image moto knows, and the operator's key pair $T/id(.pub).
moto_fixture() {
	start_moto "$1" "$2" || { echo "Bail out! no moto_server"; exit 1; }
	AMI=$(awsq ec2 describe-images --query 'Images[0].ImageId')
	ssh-keygen -q -t ed25519 -N '' -C cellstress-test -f "$T/id" </dev/null
}

# awsq ARGS...: the aws CLI, text output, against the test moto.
awsq() { aws "$@" --output text; }
