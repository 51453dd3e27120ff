# t0500-pipeline-provision: cs-inventory's cell split and checks; make
# provision (inventory, host dirs, layout), the layout guard, make -n, make -q
# on stamps, a missing inventory, and destroy twice. Needs no running server.
. "$(dirname "$0")/helper/lib.sh"
FIRST=1
. "$(dirname "$0")/helper/pipeline.sh"

# cs-inventory: the contract's ceil split, as a table.
while IFS='|' read -r args want; do
	run cs-inventory $args
	is "$rc $(grep -v '^#' "$T/out" | tr '\n' ';')" "0 $want" "cs-inventory $args"
done <<'EOF'
-n 10 -c 4 -a 10.1.2|h01 10.1.2.1 1 1 3;h02 10.1.2.2 2 4 6;h03 10.1.2.3 3 7 9;h04 10.1.2.4 4 10 10;
-n 3000 -c 3 -a 127.0.4 -f 7|h01 127.0.4.7 1 1 1000;h02 127.0.4.8 2 1001 2000;h03 127.0.4.9 3 2001 3000;
-n 5 -c 1 -a 127.0.1|h01 127.0.1.1 1 1 5;
EOF
printf '10.0.2.11 i-0a 54.1.1.1\n\n10.0.2.12 i-0b 54.1.1.2\n' >"$T/addrs"
run cs-inventory -n 7 -c 2 <"$T/addrs"
is "$rc $(grep -v '^#' "$T/out" | tr '\n' ';')" "0 h01 10.0.2.11 1 1 4 i-0a 54.1.1.1;h02 10.0.2.12 2 5 7 i-0b 54.1.1.2;" \
	"cs-inventory keeps instance ids and public addresses from stdin"
expect_fail 1 'cell 4 would be empty' "USERS=9 HOSTS=4 leaves a cell empty: refused" cs-inventory -n 9 -c 4 -a 127.0.4
expect_fail 1 'USERS must be a positive number: "1e3"' "USERS=1e3 refused" cs-inventory -n 1e3 -c 2 -a 127.0.4
expect_fail 1 'past \.254' "250 hosts from .10 do not fit a /24" cs-inventory -n 1000 -c 250 -a 127.0.4 -f 10
expect_fail 1 '<stdin>: 2 hosts, want 3' "fewer addresses than cells refused" cs-inventory -n 9 -c 3 <"$T/addrs"
expect_fail 2 '^usage: cs-inventory' "no -n: usage, status 2" cs-inventory -c 3

# Nothing provisioned: a later phase says what to do.
expect_fail 2 'no inventory; run make provision first' "deploy before provision is refused" pm deploy HOSTS=3 USERS=3000

run pm provision HOSTS=3 USERS=3000
ok "$rc" "make provision HOSTS=3 USERS=3000"
is "$(grep -v '^#' "$T/hosts/inventory" | tr '\n' ';')" \
	"h01 127.0.4.1 1 1 1000;h02 127.0.4.2 2 1001 2000;h03 127.0.4.3 3 2001 3000;" "inventory has the contract's ranges"
ok "$( [ -d "$T/run/h01" ] && [ -d "$T/run/h03" ] && [ ! -e "$T/run/h04" ]; echo $?)" "one host directory per host"
before=$(mtime "$T/hosts/inventory")
sleep 0.05
run pm provision
is "$rc $(mtime "$T/hosts/inventory")" "0 $before" "provision again (values adopted) leaves the inventory untouched"

expect_fail 2 'provisioned with HOSTS=3; refusing HOSTS=4' "deploy with another HOSTS is refused" pm deploy HOSTS=4
expect_fail 2 'provisioned with USERS=3000; refusing USERS=5000' "provision with another USERS is refused" \
	pm provision USERS=5000 HOSTS=3

# make -n shows the plan for the adopted layout and does nothing.
run pm -n deploy
is "$rc $(grep -c 'cs-host .* node .* deploy' "$T/out") $(grep -c h04 "$T/out")" "0 3 0" "make -n deploy: 3 hosts planned, none beyond"
ok "$( [ ! -e "$T/results/h01/.deployed" ] && [ ! -e "$T/run/h01/bin" ]; echo $?)" "make -n ran nothing"
run pm -q "$T/results/h02/.deployed"
is "$rc" 1 "make -q: h02 is not deployed"

# destroy removes the hosts, the layout, the disks; a second one is a no-op.
run pm destroy
ok "$rc" "destroy"
ok "$( [ ! -e "$T/hosts" ] && [ ! -e "$T/run" ]; echo $?)" "destroy removed hosts/ and run/"
run pm destroy
ok "$rc" "destroy again is a no-op"

# A phase line counts a host only when its time file was written since the
# phase began, to the nanosecond: `make deploy-h02` just before `make deploy`
# (in the same second) is not reported as part of that phase.
mkdir -p "$T/ph/h01" "$T/ph/h02"
echo "1000.0 1001.5" >"$T/ph/h01/deploy.time"; touch -d @2000.25 "$T/ph/h01/deploy.time"
echo "1000.0 1002.0" >"$T/ph/h02/deploy.time"; touch -d @2000.75 "$T/ph/h02/deploy.time"
run cs-results -r "$T/ph" phase deploy 2000.5 h01 h02
is "$rc $(cat "$T/out")" "0 [deploy] 1 host in 2.00 s" "cs-results phase: a time file from before the phase began (same second) is not counted"
run cs-results -r "$T/ph" phase deploy 2000.9 h01 h02
is "$rc $(cat "$T/out")" "0 [deploy] all 2 hosts were done already" "cs-results phase: nothing written since: all done already"

done_testing
