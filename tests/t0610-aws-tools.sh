# t0610-aws-tools: vpc-make, ec2-run, ec2-kill and vpc-delete against a real
# moto_server over TLS that checks every request's SigV4 signature; the
# result is cross-checked with the aws CLI. Skipped, naming what to install,
# where moto is missing (t0612 runs the tools against canned answers).
. "$(dirname "$0")/helper/lib.sh"
. "$(dirname "$0")/helper/moto.sh"
need_moto

moto_fixture 127.0.5.10 5610
R=t0610
CIDR=198.51.100.7/32
F="Name=tag:cellstress:run,Values=$R"
mine() { awsq ec2 "$@" | awk 'NF' | wc -l | tr -d ' '; }

# 1. A wrong secret: one clear authentication error, exit 1, nothing made.
WRONG=WrongSecretT0610xyz
AWS_SECRET_ACCESS_KEY=$WRONG run vpc-make -r "$R" -c "$CIDR"
is "$rc" 1 "wrong secret: exit 1"
grep -Eq '^vpc-make: DescribeVpcs: AuthFailure: .*\(request id [A-Za-z0-9-]+\)$' "$T/err"
ok $? "wrong secret: one line 'vpc-make: DescribeVpcs: AuthFailure: ...'"
is "$(wc -l <"$T/err" | tr -d ' ')" 1 "wrong secret: exactly one line on stderr"
! grep -q -e "$WRONG" -e "$AWS_SECRET_ACCESS_KEY" "$T/err" "$T/out"
ok $? "no secret in the output"
is "$(mine describe-vpcs --filters Name=tag-key,Values=cellstress:run --query 'Vpcs[].VpcId')" 0 \
	"wrong secret: nothing created"

# 2. Provision: vpc-make then ec2-run, HOSTS=5.
run vpc-make -r "$R" -c "$CIDR"
is "$rc" 0 "vpc-make exits 0"
cp "$T/out" "$T/vpc"
is "$(awk '{print $1}' "$T/vpc" | tr '\n' ' ')" "vpc gateway public-subnet private-subnet route-table group zone " \
	"vpc-make prints its key id lines"
V=$(awk '$1 == "vpc" {print $2}' "$T/vpc")
SG=$(awk '$1 == "group" {print $2}' "$T/vpc")
IGW=$(awk '$1 == "gateway" {print $2}' "$T/vpc")
PUB=$(awk '$1 == "public-subnet" {print $2}' "$T/vpc")
run ec2-run -r "$R" -n 5 -u 1000 -k "$T/id.pub" -a "$AMI"
is "$rc" 0 "ec2-run exits 0"
cp "$T/out" "$T/inv"
is "$(grep -v '^#' "$T/inv" | awk '{print $1, $2, $3, $4, $5, NF}' | tr '\n' ' ')" \
	"h01 10.0.2.20 1 1 200 7 h02 10.0.2.21 2 201 400 7 h03 10.0.2.22 3 401 600 7 h04 10.0.2.23 4 601 800 7 h05 10.0.2.24 5 801 1000 7 " \
	"inventory: name addr cell lo hi for 5 hosts, 7 fields"
is "$(grep -v '^#' "$T/inv" | awk '$7 != "-"' | wc -l | tr -d ' ')" 0 "cell hosts have no public address"
BASTION_PUB=$(awk '$2 == "bastion" {print $5}' "$T/inv")
is "$(awk '$2 == "bastion" {print $3}' "$T/inv")" 10.0.1.11 "bastion at 10.0.1.11"

# 3. What the aws CLI sees.
is "$(awsq ec2 describe-vpcs --filters "$F" --query 'Vpcs[].[VpcId,CidrBlock]')" "$V	10.0.0.0/16" \
	"one VPC 10.0.0.0/16 tagged with the run"
is "$(awsq ec2 describe-vpc-attribute --vpc-id "$V" --attribute enableDnsHostnames --query EnableDnsHostnames.Value)" \
	True "DNS hostnames on"
is "$(awsq ec2 describe-subnets --filters "$F" --query 'Subnets[].CidrBlock' | tr '\t' '\n' | sort | tr '\n' ' ')" \
	"10.0.1.0/24 10.0.2.0/24 " "two subnets 10.0.1.0/24 and 10.0.2.0/24"
is "$(mine describe-subnets --filters Name=vpc-id,Values="$V" --query 'Subnets[].SubnetId' | tr -d ' ')" 1 \
	"no untagged subnet in the VPC (one line of ids)"
is "$(awsq ec2 describe-instances --filters "$F" Name=instance-state-name,Values=running \
	--query 'Reservations[].Instances[].InstanceId' | tr '\t' '\n' | awk 'NF' | wc -l | tr -d ' ')" 6 \
	"six running instances tagged with the run"
is "$(awsq ec2 describe-instances --filters Name=vpc-id,Values="$V" \
	--query 'Reservations[].Instances[].InstanceId' | tr '\t' '\n' | awk 'NF' | wc -l | tr -d ' ')" 6 \
	"no other instance in the VPC"
awsq ec2 describe-instances --filters "$F" \
	--query 'Reservations[].Instances[].[PrivateIpAddress,PublicIpAddress,InstanceId]' | sort >"$T/ips"
is "$(awk '{print $1, ($2 == "None" ? "-" : "pub")}' "$T/ips" | tr '\n' ' ')" \
	"10.0.1.11 pub 10.0.2.20 - 10.0.2.21 - 10.0.2.22 - 10.0.2.23 - 10.0.2.24 - " \
	"private addresses as the seed's; only the bastion has a public one"
is "$(awk '$2 != "None" {print $2}' "$T/ips")" "$BASTION_PUB" "inventory's bastion address is the instance's"
is "$(grep -v '^#' "$T/inv" | awk '{print $6}' | sort | tr '\n' ' ')" \
	"$(awk '$1 != "10.0.1.11" {print $3}' "$T/ips" | sort | tr '\n' ' ')" "inventory's instance ids are the instances'"
is "$(awsq ec2 describe-security-groups --group-ids "$SG" --query 'SecurityGroups[0].IpPermissions[].IpRanges[].CidrIp')" \
	"$CIDR" "the only CIDR allowed in is the operator's"
is "$(awsq ec2 describe-security-groups --group-ids "$SG" \
	--query 'SecurityGroups[0].IpPermissions[?IpRanges[0].CidrIp!=null].[IpProtocol,FromPort,ToPort]')" \
	"tcp	22	22" "and only to port 22"
is "$(awsq ec2 describe-security-groups --group-ids "$SG" \
	--query 'SecurityGroups[0].IpPermissions[?IpProtocol==`"-1"`].UserIdGroupPairs[].GroupId')" \
	"$SG" "all traffic between members of the group"
is "$(awsq ec2 describe-route-tables --filters "$F" \
	--query 'RouteTables[0].[Routes[?DestinationCidrBlock==`0.0.0.0/0`].GatewayId|[0],Associations[0].SubnetId]')" \
	"$IGW	$PUB" "route 0.0.0.0/0 -> gateway, on the public subnet"
is "$(awsq ec2 describe-internet-gateways --filters "$F" --query 'InternetGateways[].Attachments[].VpcId')" \
	"$V" "gateway tagged and attached"
is "$(awsq ec2 describe-key-pairs --filters "$F" --query 'KeyPairs[].KeyName')" "cellstress-$R" \
	"key pair imported and tagged"
is "$(awsq ec2 describe-instances --filters "$F" --query 'Reservations[].Instances[].KeyName' | tr '\t' '\n' | sort -u)" \
	"cellstress-$R" "every instance uses it"
is "$(awsq ec2 describe-instances --filters "$F" --query 'Reservations[].Instances[].ClientToken' | tr '\t' '\n' | sort | tr '\n' ' ')" \
	"cellstress-$R-bastion cellstress-$R-h01 cellstress-$R-h02 cellstress-$R-h03 cellstress-$R-h04 cellstress-$R-h05 " \
	"each launched with ClientToken cellstress-RUN-ROLE"

# 4. Again: same ClientTokens, same roles: nothing new is launched.
run ec2-run -r "$R" -n 5 -u 1000 -k "$T/id.pub" -a "$AMI"
is "$rc" 0 "second ec2-run exits 0"
! grep -q launched "$T/err"
ok $? "second ec2-run launches nothing"
is "$(cat "$T/out")" "$(cat "$T/inv")" "second ec2-run prints the same inventory"
run vpc-make -r "$R" -c "$CIDR"
is "$(cat "$T/out")" "$(cat "$T/vpc")" "second vpc-make finds the same network"
is "$(mine describe-vpcs --filters "$F" --query 'Vpcs[].VpcId')" 1 "still one VPC"

# A host terminated behind our back: ec2-run replaces that one only, under
# a new ClientToken (the old one names the terminated instance on EC2).
old=$(awk '$1 == "h02" { print $6 }' "$T/inv")
aws ec2 terminate-instances --instance-ids "$old" >/dev/null
run ec2-run -r "$R" -n 5 -u 1000 -k "$T/id.pub" -a "$AMI"
is "$rc.$(grep -c launched "$T/err")" "0.1" "h02 terminated: ec2-run launches one instance"
new=$(awk '$1 == "h02" { print $6 }' "$T/out")
is "$(grep -v h02 "$T/out")" "$(grep -v h02 "$T/inv")" "... the other hosts unchanged"
is "$(awk '$1 == "h02" { print $2 }' "$T/out").$([ "$new" != "$old" ]; echo $?)" "10.0.2.21.0" "... a new h02 at 10.0.2.21"
is "$(awsq ec2 describe-instances --instance-ids "$new" --query 'Reservations[].Instances[].ClientToken')" \
	"cellstress-$R-h02-1" "... launched with ClientToken cellstress-$R-h02-1"

# 5. Destroy: nothing of ours left; a second destroy is a no-op.
run vpc-delete -r "$R"
expect_fail 1 "still holds instance i-" "vpc-delete refuses while instances live" vpc-delete -r "$R"
printf '# prices\neu-west-1\tc5.large\tcheap\n' >"$T/badprices"
expect_fail 1 "^ec2-kill: $T/badprices:2: price is not a number" "a bad price table: FILE:LINE, exit 1" \
	ec2-kill -r "$R" -p "$T/badprices"
is "$(awsq ec2 describe-instances --filters "$F" Name=instance-state-name,Values=running \
	--query 'Reservations[].Instances[].InstanceId' | tr '\t' '\n' | awk 'NF' | wc -l | tr -d ' ')" 6 \
	"... before terminating anything"
run ec2-kill -r "$R" -p "$TOP/data/ec2-prices.tsv"
is "$rc" 0 "ec2-kill exits 0"
is "$(grep -c '^terminate i-' "$T/out")" 6 "ec2-kill lists the 6 instances before acting"
grep -q '^hours c5.large [0-9.]* usd [0-9.]*$' "$T/out"
ok $? "ec2-kill reports instance-hours per type with their cost"
# eu-west-1 in the table: c5.large 0.096, t3.micro 0.0114 $/h
awk '$1 == "hours" { want = $3 * ($2 == "c5.large" ? 0.096 : 0.0114); if ($5 - want > 0.00006 || want - $5 > 0.00006) bad = 1; h += $3; u += $5 }
     $1 == "total" { if ($3 - h > 0.0002 || h - $3 > 0.0002 || $5 - u > 0.0002 || u - $5 > 0.0002 || $7 != 0) bad = 1; seen = 1 }
     END { exit bad || !seen }' "$T/out"
ok $? "cost = hours x the region's price; the total adds up"
awk '$1 == "hours" && $2 == "c5.large" && $3 >= 0.0833 && $3 < 0.84 { found = 1 } END { exit !found }' "$T/out"
ok $? "5 hosts count at least 5 x 60 s = 0.0833 h (billing minimum), at most 10 min each"
run vpc-delete -r "$R"
is "$rc" 0 "vpc-delete exits 0"
is "$(aws_left)" "" "nothing of ours left (instances, VPC, subnets, groups, routes, gateway, key)"
run ec2-kill -r "$R"
is "$rc.$(grep -c '^terminate ' "$T/out")" "0.0" "ec2-kill again: exit 0, nothing to do"
run vpc-delete -r "$R"
is "$rc.$(tail -1 "$T/out")" "0.deleted 0 vpc" "vpc-delete again: exit 0, nothing to do"

# 6. Killed half way: after vpc-make of one run, and during ec2-run of
#    another; the run ids are lost (rm -rf hosts): -A finds all by tag.
run vpc-make -r t0610a -c "$CIDR"
run vpc-make -r t0610b -c "$CIDR"
ec2-run -r t0610b -n 60 -u 600 -k "$T/id.pub" -a "$AMI" >"$T/half.out" 2>"$T/half.err" &
pid=$!
for _ in $(seq 400); do grep -q 'launched h03' "$T/half.err" && break; sleep 0.05; done
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
n=$(awsq ec2 describe-instances --filters Name=tag:cellstress:run,Values=t0610b \
	--query 'Reservations[].Instances[].InstanceId' | tr '\t' '\n' | awk 'NF' | wc -l)
ok "$([ "$n" -ge 4 ] && [ "$n" -lt 61 ]; echo $?)" "ec2-run killed with SIGKILL half way ($n of 61 launched)"
run ec2-kill -A
is "$rc" 0 "ec2-kill -A exits 0"
is "$(grep -c '^terminate i-.* run t0610b ' "$T/out")" "$n" "ec2-kill -A lists every instance of the lost run first"
run vpc-delete -A
is "$rc.$(tail -1 "$T/out")" "0.deleted 2 vpc" "vpc-delete -A deletes both half-made networks"
is "$(aws_left)" "" "nothing of ours left after the interrupted provisions"

# 7. The default AMI (Debian's account) is looked up, and its absence said;
#    SPOT=1 asks for spot instances.
run vpc-make -r t0610s -c "$CIDR"
expect_fail 1 "^ec2-run: DescribeImages: no image debian-12-amd64-\\* of owner 136693071363 in region eu-west-1; give one with -a" \
	"no Debian image in moto: a clear error" ec2-run -r t0610s -n 1 -u 1 -k "$T/id.pub"
run ec2-run -r t0610s -n 1 -u 1 -k "$T/id.pub" -a "$AMI" -s
is "$rc" 0 "ec2-run -s"
is "$(awsq ec2 describe-instances --filters Name=tag:cellstress:run,Values=t0610s \
	--query 'Reservations[].Instances[].InstanceLifecycle' | tr '\t' '\n' | sort | tr '\n' ' ')" "spot spot " \
	"both instances are spot instances"
run ec2-kill -r t0610s
run vpc-delete -r t0610s
is "$rc" 0 "spot run destroyed"
is "$(aws_left)" "" "nothing left"

# 8. Usage.
expect_fail 2 "^usage: ec2-kill" "ec2-kill without -r or -A is a usage error" ec2-kill
stop_moto
done_testing
