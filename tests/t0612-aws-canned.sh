# t0612-aws-canned: vpc-make, ec2-run, ec2-kill and vpc-delete against a
# canned EC2 peer (tests/aws-canned.py; answers and expected stdout in
# tests/data/ec2, SCENE.answers and SCENE.expected): no moto needed. Checks
# each tool's stdout, the calls it made (the peer's log) and what they
# carried (CELLSTRESS_AWS_TRACE), also where moto cannot go: instances
# pending before they run, eventual consistency, DependencyViolation, and
# answers that are no EC2 answer.
. "$(dirname "$0")/helper/lib.sh"
. "$(dirname "$0")/helper/moto.sh"

start_canned 127.0.5.14 5614 || { ok 1 "canned EC2 peer started"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -C cellstress-test -f "$T/id" </dev/null
export CELLSTRESS_AWS_TRACE="$T/trace"
D=$TOP/tests/data/ec2
R=t0612
CIDR=198.51.100.7/32

# play SCENE CMD...: run CMD against a fresh path of SCENE, with a new trace.
play() { scene "$1"; shift; : >"$T/trace"; run "$@"; }
# calls: the actions of the last play in order, a repeat as ACTIONxN.
calls() { canned_log | cut -f2 | uniq -c | awk '{ printf "%s%s ", $2, ($1 > 1 ? "x" $1 : "") }'; }
# param ACTION KEY: KEY's value in each ACTION request of the trace, decoded.
param() {
	awk -F '\t' -v a="$1" '$1 == a { print $3 }' "$T/trace" | tr '&' '\n' |
		sed -n "s/^$2=//p" | sed 's/+/ /g; s/%\([0-9A-Fa-f][0-9A-Fa-f]\)/\\x\1/g' |
		while IFS= read -r v; do printf '%b\n' "$v"; done
}

# 1. vpc-make of a new run.
play vpc-make vpc-make -r $R -c $CIDR
is "$rc.$(cat "$T/err")" "0." "vpc-make: exit 0, nothing on stderr"
is "$(cat "$T/out")" "$(cat "$D/vpc-make.expected")" "vpc-make prints the ids of what it made"
is "$(calls)" "DescribeVpcs CreateVpc ModifyVpcAttribute DescribeInternetGateways CreateInternetGateway AttachInternetGatewayx2 DescribeSubnets CreateSubnet DescribeSubnets CreateSubnet DescribeRouteTables CreateRouteTable CreateRoute AssociateRouteTable DescribeSecurityGroups CreateSecurityGroup AuthorizeSecurityGroupIngressx2 " \
	"vpc-make creates each piece once; the gateway, not found at once, is attached on the retry"
is "$(canned_log | cut -f3- | sort -u)" "AKIAIOSFODNN7EXAMPLE	eu-west-1	-" \
	"every request signed with the environment's key for eu-west-1, no token"
is "$(awk -F '\t' '$1 ~ /^Create/ && $1 != "CreateRoute" { n++
	if ($3 !~ /&TagSpecification\.1\.Tag\.1\.Key=cellstress%3Arun&TagSpecification\.1\.Tag\.1\.Value=t0612(&|$)/) bad = bad " " $1 }
	END { print n bad }' "$T/trace")" 6 "the 6 resources created are tagged cellstress:run=$R when created"
is "$(param AuthorizeSecurityGroupIngress IpPermissions.1.IpRanges.1.CidrIp).$(param AuthorizeSecurityGroupIngress IpPermissions.1.FromPort)" \
	"$CIDR.22" "ssh (port 22) is opened to the operator's CIDR only"

play vpc-make-again vpc-make -r $R -c $CIDR
is "$rc.$(cat "$T/err")" "0." "vpc-make again: exit 0, nothing on stderr"
is "$(cat "$T/out")" "$(cat "$D/vpc-make.expected")" "... finds the same network"
is "$(calls)" "DescribeVpcs ModifyVpcAttribute DescribeInternetGateways DescribeSubnetsx2 DescribeRouteTables CreateRoute AssociateRouteTable DescribeSecurityGroups AuthorizeSecurityGroupIngressx2 " \
	"... creates nothing; RouteAlreadyExists, Resource.AlreadyAssociated, InvalidPermission.Duplicate mean done"

# 2. ec2-run -n 3 without -a: the newest Debian image; pending, then running.
play ec2-run ec2-run -r $R -n 3 -u 30 -k "$T/id.pub"
is "$rc" 0 "ec2-run exits 0"
is "$(cat "$T/out")" "$(cat "$D/ec2-run.expected")" "ec2-run prints the inventory: bastion comment, then name addr cell lo hi id public"
is "$(sed 's/ i-[0-9a-f]* / /' "$T/err" | tr '\n' ' ')" \
	"ec2-run: launched bastion 10.0.1.11 ec2-run: launched h01 10.0.2.20 ec2-run: launched h02 10.0.2.21 ec2-run: launched h03 10.0.2.22 " \
	"stderr: one line per instance launched"
is "$(calls)" "DescribeSubnetsx2 DescribeSecurityGroups DescribeKeyPairs ImportKeyPair DescribeInstances DescribeImages RunInstancesx4 DescribeInstancesx2 " \
	"key pair imported, image looked up, 4 launches; pending at the first look, so looked again"
is "$(param DescribeImages Owner.1) $(param DescribeImages Filter.1.Value.1) $(param RunInstances ImageId | sort -u)" \
	"136693071363 debian-12-amd64-* ami-0c3d7a1e5b9f24680" \
	"the image: Debian's newest debian-12-amd64-* (of three listed out of order)"
is "$(paste -d ' ' <(param RunInstances ClientToken) <(param RunInstances InstanceType) \
	<(param RunInstances NetworkInterface.1.PrivateIpAddress) <(param RunInstances NetworkInterface.1.AssociatePublicIpAddress) | tr '\n' ' ')" \
	"cellstress-$R-bastion t3.micro 10.0.1.11 true cellstress-$R-h01 c5.large 10.0.2.20 false cellstress-$R-h02 c5.large 10.0.2.21 false cellstress-$R-h03 c5.large 10.0.2.22 false " \
	"RunInstances: ClientToken per role, types, the seed's addresses, a public one for the bastion only"
is "$(param ImportKeyPair KeyName) $(param ImportKeyPair PublicKeyMaterial)" \
	"cellstress-$R $(tr -d '\n' <"$T/id.pub" | base64 -w0)" "ImportKeyPair sends the operator's public key line, base64"

play ec2-run-again ec2-run -r $R -n 3 -u 30 -k "$T/id.pub"
is "$rc.$(cat "$T/err")" "0." "ec2-run again: exit 0, nothing launched"
is "$(cat "$T/out")" "$(cat "$D/ec2-run.expected")" "... the same inventory"
is "$(calls)" "DescribeSubnetsx2 DescribeSecurityGroups DescribeKeyPairs DescribeInstancesx2 " \
	"... only looks: no ImportKeyPair, no DescribeImages, no RunInstances"

play ec2-run-stuck ec2-run -r $R -n 3 -u 30 -k "$T/id.pub" -w 1
is "$rc|$(cat "$T/out")|$(cat "$T/err")" "1||ec2-run: DescribeInstances: 4 instances not running after 1 s" \
	"instances pending for good: after -w 1 s, one line, exit 1, no inventory"

# 3. ec2-kill: lists, terminates, waits; instance-hours and cost.
start=$(date +%s)
play ec2-kill ec2-kill -r $R -p "$TOP/data/ec2-prices.tsv"
end=$(date +%s)
is "$rc.$(cat "$T/err")" "0." "ec2-kill: exit 0, nothing on stderr"
is "$(head -5 "$T/out")" "$(cat "$D/ec2-kill.expected")" "ec2-kill lists the 4 instances, then 'terminated 4'"
is "$(calls)" "DescribeInstances TerminateInstances DescribeInstancesx2 " "one TerminateInstances; shutting-down at the first look, so looked again"
is "$(param TerminateInstances 'InstanceId\.[0-9]*' | tr '\n' ' ')" "$(awk '{ printf "%s ", $2 }' "$D/ec2-kill.expected" | sed 's/ 4 $/ /')" \
	"TerminateInstances names the 4 instances listed"
# Launched 2026-11-30T04:24:04Z (billing minimum 60 s); eu-west-1: t3.micro
# 0.0114 and c5.large 0.096 $/h; one bastion, three hosts.
launch=$(date -u -d 2026-11-30T04:24:04Z +%s)
awk -v s="$start" -v e="$end" -v l="$launch" '
	function near(got, want, slack) { return got - want <= slack && want - got <= slack }
	BEGIN { lo = (s - l < 60 ? 60 : s - l) / 3600; hi = (e - l < 60 ? 60 : e - l) / 3600; h = (lo + hi) / 2; d = (hi - lo) / 2 + 0.0001 }
	$1 == "hours" && $2 == "t3.micro" { n++; if (!near($3, h, d) || !near($5, h * 0.0114, d * 0.0114 + 0.0001)) bad = 1 }
	$1 == "hours" && $2 == "c5.large" { n++; if (!near($3, 3 * h, 3 * d) || !near($5, 3 * h * 0.096, 3 * d * 0.096 + 0.0001)) bad = 1 }
	$1 == "total" { n++; if (!near($3, 4 * h, 4 * d) || !near($5, h * (0.0114 + 3 * 0.096), d * 0.3 + 0.0002) || $7 != 0) bad = 1 }
	END { exit bad || n != 3 }' "$T/out"
ok $? "hours since launchTime per type (1 t3.micro, 3 c5.large), x the region's price, total"

# 4. vpc-delete: in dependency order; DependencyViolation retried.
play vpc-delete vpc-delete -r $R
is "$rc.$(cat "$T/err")" "0." "vpc-delete: exit 0, nothing on stderr"
is "$(cat "$T/out")" "$(cat "$D/vpc-delete.expected")" "vpc-delete: each deletion, not the default group nor the main route table"
is "$(calls)" "DescribeVpcs DescribeInstances DescribeSecurityGroups DeleteSecurityGroupx2 DescribeSubnets DeleteSubnetx2 DescribeRouteTables DisassociateRouteTable DeleteRouteTable DescribeInternetGateways DetachInternetGateway DeleteInternetGateway DeleteVpc DescribeInternetGateways DescribeKeyPairs DeleteKeyPair " \
	"terminated instances do not block; DeleteSecurityGroup retried after DependencyViolation"

play vpc-delete-stuck vpc-delete -r $R -w 1
is "$rc|$(cat "$T/out")|$(cat "$T/err")" \
	"1|vpc vpc-053a8f800ac6b7e80|vpc-delete: DeleteSecurityGroup: DependencyViolation: resource sg-0abb4ff75fa536715 has a dependent object (request id $(canned_rid error-DependencyViolation.xml))" \
	"DependencyViolation for good: after -w 1 s, one line naming it, exit 1"

play vpc-delete-busy vpc-delete -r $R
is "$rc|$(cat "$T/err")|$(calls)" \
	"1|vpc-delete: vpc-053a8f800ac6b7e80 still holds instance i-04603bf83eb5bad19 (and maybe more): run ec2-kill first|DescribeVpcs DescribeInstances " \
	"instances still running: vpc-delete refuses before deleting anything"

# 5. Error answers: one clear line, exit 1, nothing on stdout.
play authfailure vpc-make -r $R -c $CIDR
is "$rc|$(cat "$T/out")|$(cat "$T/err")" \
	"1||vpc-make: DescribeVpcs: AuthFailure: AWS was not able to validate the provided access credentials (request id $(canned_rid error-AuthFailure.xml))" \
	"AuthFailure (401): one line with the request id, exit 1"
is "$(calls)" "DescribeVpcs " "... not retried"
! grep -q -e "$AWS_SECRET_ACCESS_KEY" "$T/err" "$T/out" "$T/trace"
ok $? "no secret in the output or the trace"
play malformed vpc-make -r $R -c $CIDR
is "$rc|$(cat "$T/out")|$(cat "$T/err")" "1||vpc-make: DescribeVpcs: response is not XML" \
	"a DescribeVpcs answer cut short: one line, exit 1"
play malformed ec2-kill -r $R
is "$rc|$(cat "$T/out")|$(cat "$T/err")" "1||ec2-kill: DescribeInstances: HTTP403: unexpected non-XML response (request id none)" \
	"a proxy's HTML page (403): one line, exit 1"
done_testing
