# t0620-aws-pipeline: make provision / make destroy with PROVIDER=aws against
# moto_server (TLS, every request signature-checked): a valid inventory and an
# ssh config through the bastion, provision again changes nothing, destroy
# leaves nothing and writes the cost, destroy after `rm -rf hosts` too. The
# bastion address is overridden with a loopback one (BASTION_ADDR) so that no
# ssh ever leaves this machine; SSH_WAIT=0 as moto's instances run no sshd.
# Skipped, naming what to install, where moto is missing.
. "$(dirname "$0")/helper/lib.sh"
. "$(dirname "$0")/helper/moto.sh"
need_moto

moto_fixture 127.0.5.20 5620
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
pa() {
	make -C "$TOP" --no-print-directory HOSTS_DIR="$T/hosts" RESULTS="$T/results" \
		RUN_DIR="$T/run" STATE="$T/state" PROVIDER=aws "$@"
}
P="HOSTS=5 USERS=1000 SSH_WAIT=0 OPERATOR_CIDR=198.51.100.0/24 KEY=$T/id AMI=$AMI BASTION_ADDR=127.0.5.21"
running() {
	awsq ec2 describe-instances --filters "Name=tag:cellstress:run,Values=$1" \
		Name=instance-state-name,Values=running --query 'Reservations[].Instances[].InstanceId' |
		tr '\t' '\n' | awk 'NF' | sort | tr '\n' ' '
}

expect_fail 2 "set OPERATOR_CIDR" "provision without OPERATOR_CIDR is refused" \
	pa provision HOSTS=5 USERS=1000 SSH_WAIT=0 KEY="$T/id"
ok "$([ ! -e "$T/hosts/layout.mk" ] && [ ! -e "$T/hosts/run-id" ]; echo $?)" \
	"... before it records a layout or a run id (nothing for later phases to adopt)"
run pa provision $P
is "$rc" 0 "make provision PROVIDER=aws HOSTS=5 SSH_WAIT=0"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/err" | tail -5
RUNID=$(cat "$T/hosts/run-id")
grep -v '^#' "$T/hosts/inventory" >"$T/inv"
# The contract's ranges, from the pipeline's own cs-inventory.
awk '{ print $2, $6, $7 }' "$T/inv" | cs-inventory -n 1000 -c 5 | grep -v '^#' >"$T/want"
is "$(cat "$T/inv")" "$(cat "$T/want")" "inventory: contract format, cs-inventory's ranges"
is "$(awk '{ print $1 ":" $2 }' "$T/inv" | tr '\n' ' ')" \
	"h01:10.0.2.20 h02:10.0.2.21 h03:10.0.2.22 h04:10.0.2.23 h05:10.0.2.24 " "hosts at 10.0.2.20..24"
is "$(awk '{ print $6 }' "$T/inv" | sort | tr '\n' ' ')" \
	"$(awsq ec2 describe-instances --filters "Name=tag:cellstress:run,Values=$RUNID" \
		--query 'Reservations[].Instances[?starts_with(PrivateIpAddress, `10.0.2.`)].InstanceId' | tr '\t' '\n' | awk 'NF' | sort | tr '\n' ' ')" \
	"inventory's instance ids are the run's private instances"
is "$(running "$RUNID" | wc -w | tr -d ' ')" 6 "six running instances tagged with the run id"
is "$(ssh -G -F "$T/hosts/ssh_config" h03 | awk '$1 == "hostname" || $1 == "proxyjump" || $1 == "user" { printf "%s=%s ", $1, $2 }')" \
	"user=admin hostname=10.0.2.22 proxyjump=bastion " "ssh config: h03 via ProxyJump bastion (ssh -G)"
is "$(ssh -G -F "$T/hosts/ssh_config" bastion | awk '$1 == "hostname" || $1 == "controlmaster" { printf "%s=%s ", $1, $2 }')" \
	"hostname=127.0.5.21 controlmaster=auto " "ssh config: the bastion, with connection reuse"
is "$(awk '$2 == "bastion" { print $3 }' "$T/hosts/inventory")" 10.0.1.11 "inventory notes the bastion 10.0.1.11"

before=$(running "$RUNID")
cp "$T/hosts/inventory" "$T/inv.before"
touch -d '2000-01-01' "$T/hosts/inventory"
run pa provision $P
is "$rc" 0 "provision again"
is "$(running "$RUNID")" "$before" "... launches nothing new"
is "$(stat -c %Y "$T/hosts/inventory")" "$(date -d 2000-01-01 +%s)" "... and leaves the inventory untouched"

run pa destroy
is "$rc" 0 "make destroy"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/err" | tail -5
is "$(aws_left)" "" "nothing of ours left"
grep -q '^total hours [0-9.]* usd [0-9.]* unpriced 0$' "$T/results/cost.txt"; ok $? "results/cost.txt: instance-hours and estimated cost"
is "$(grep -c '^terminate i-.* run '"$RUNID"' ' "$T/results/cost.txt")" 6 "... listing the 6 instances"
ok "$([ ! -e "$T/hosts" ]; echo $?)" "hosts/ removed"

# Lost hosts/: provision, rm -rf hosts, destroy -> nothing left.
run pa provision $P
is "$rc" 0 "provision a second run"
rm -rf "$T/hosts"
run pa destroy
is "$rc" 0 "make destroy PROVIDER=aws after rm -rf hosts"
is "$(aws_left)" "" "nothing left: found by tag without hosts/"

# SSH_WAIT=1: a host that never answers fails the provision, bounded.
run pa provision $P SSH_WAIT=1 SSH_WAIT_SECS=2
ok "$([ "$rc" -ne 0 ] && grep -q '^\[h01\] provision failed: no ssh answer after 2 s' "$T/err"; echo $?)" \
	"SSH_WAIT: no ssh answer -> provision fails, naming the host"
pa destroy >/dev/null 2>&1
stop_moto
done_testing
