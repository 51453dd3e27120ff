# t0530-pipeline-deploy-fail: one host's deploy fails because its redis
# address is held by a listener of the test's own. make names the host and
# the reason and fails; the other hosts are deployed. Once the address is
# free, `make deploy` redoes only that host (stamps and output say so). The
# cluster's directories are given relative to the tree, as a user would.
. "$(dirname "$0")/helper/lib.sh"
FIRST=31 REL=1
. "$(dirname "$0")/helper/pipeline.sh"

run pm provision HOSTS=3 USERS=600 SAME=5 CROSS=3
ok "$rc" "provision 3 hosts"
hold "$(addr 2)" 7379
ok $? "the test holds $(addr 2):7379"

run pm -j3 deploy
is "$rc" 2 "make deploy fails"
is "$(grep -c 'cs-host' "$T/out" "$T/err" | cut -d: -f2 | tr '\n' ' ')" "0 0 " "quiet by default: no command lines"
ok "$(grep -qx "\[h02\] deploy failed: redis address $(addr 2):7379 already in use" "$T/err"; echo $?)" \
	"the failure names h02 and its reason"
diag "$(grep failed "$T/err")"
is "$( [ -e "$T/results/h01/.deployed" ]; echo $?)$( [ -e "$T/results/h02/.deployed" ]; echo $?)$( [ -e "$T/results/h03/.deployed" ]; echo $?)" \
	"010" "h01 and h03 deployed, h02 not"
run pm -q "$(pdir)/results/h02/.deployed"
is "$rc" 1 "make -q says h02 is not deployed"
run pm -q "$(pdir)/results/h01/.deployed"
is "$rc" 0 "make -q says h01 is"

stop_pid "$HOLD_PID"
m1=$(mtime "$T/results/h01/.deployed")
m3=$(mtime "$T/results/h03/.deployed")
run pm -j3 deploy V=1
ok "$rc" "after freeing the address, make deploy V=1 succeeds"
is "$(grep -o '^\[h0[0-9]\] deploy$' "$T/out" | tr '\n' ' ')" "[h02] deploy " "only h02 was deployed again"
ok "$(grep -q 'cs-host -v -t local .* h02 node .* deploy' "$T/out" && grep -q "^\[h02\] local: cd " "$T/err"; echo $?)" \
	"V=1 shows the full commands, on and off the host"
is "$(mtime "$T/results/h01/.deployed") $(mtime "$T/results/h03/.deployed")" "$m1 $m3" "h01 and h03 stamps untouched"
run curl -fsS --max-time 2 "http://$(addr 2):9500/healthz"
is "$rc $(cat "$T/out")" "0 ok" "h02's cellsrv answers /healthz"

done_testing
