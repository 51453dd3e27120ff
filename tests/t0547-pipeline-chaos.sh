# t0547-pipeline-chaos: `make chaos` over a real run, with short fault
# durations: a cellsrv killed, a cellsrv frozen, a redis-server killed and
# one peer link cut with nftables (root only: skipped otherwise, saying
# why), each undone; the run then finishes and check proves every message
# arrived once and in order (APPENDFSYNC=always); chaos.log names every
# action and chaos.txt what each cost; a second seed picks another order.
. "$(dirname "$0")/helper/lib.sh"
FIRST=48
. "$(dirname "$0")/helper/pipeline.sh"

L="HOSTS=3 USERS=3000 SAME=6 CROSS=4 MSGS=20"
C="CHAOS_GAP=1 CHAOS_DOWN=2 CHAOS_FREEZE=4 CHAOS_CUT=5"
nft_ok() { [ "$(id -u)" = 0 ] && PATH=$PATH:/usr/sbin nft list tables >/dev/null 2>&1; }

run pm -j3 provision deploy $L APPENDFSYNC=always
ok "$rc" "provision and deploy $L"
run pm -j3 chaos $L $C CHAOS_SEED=3
ok "$rc" "make chaos CHAOS_SEED=3: the run survives the nemesis and check passes"
[ "$rc" = 0 ] || diag "$(tail -n 5 "$T/err")"
is "$(head -n 1 "$T/results/summary.txt" | grep -o 'lost=[0-9]* duplicated=[0-9]* disordered=[0-9]*')" \
	"lost=0 duplicated=0 disordered=0" "nothing lost, duplicated or out of order"
log=$T/results/chaos.log
is "$(grep -c ' kill-cellsrv fault: kill cellsrv pid [0-9]*$' "$log") $(grep -c ' stop-cellsrv fault: stop cellsrv pid [0-9]*$' "$log") $(grep -c ' kill-redis fault: kill redis-server pid [0-9]*$' "$log")" \
	"1 1 1" "chaos.log: a cellsrv killed, a cellsrv frozen, a redis-server killed, each with its PID"
grep -Eq ' heal heal: redis-server restarted \(AOF [0-9.]+ MB loaded in [0-9.]+ s\)' "$log"
ok $? "the killed redis-server came back from its AOF"
grep -q ' cont-cellsrv fault: cont cellsrv pid ' "$log"; ok $? "the frozen cellsrv was continued"
if nft_ok; then
	grep -Eq '^[0-9.]+ \+[0-9.]+ h0[123] cut-link fault: cut the peer link to h0[123]$' "$log" &&
		grep -Eq ' uncut-link fault: restored the peer link to h0[123]$' "$log"
	ok $? "a peer link was cut and restored: $(grep -o 'h0[123] cut-link.*' "$log")"
else
	echo "ok $((_n += 1)) # skip the link cut needs root and nftables: $(grep -o 'skipped.*' "$log")"
fi
is "$(PATH=$PATH:/usr/sbin nft list tables 2>/dev/null | grep -c "cellstress_$(addr 1 | tr . _)\|cellstress_$(addr 2 | tr . _)\|cellstress_$(addr 3 | tr . _)")" 0 \
	"no nftables table of this test is left"
is "$(grep -c '^[a-z-]* | h0[123] | +[0-9.]* s | [0-9]* s | [0-9.]* s$' "$T/results/chaos.txt")" "$(awk '!/^#/ && $4 ~ /^(kill-cellsrv|stop-cellsrv|kill-redis|cut-link)$/' "$log" | wc -l)" \
	"chaos.txt: one row per fault with its stall and the cluster's lost seconds"
is "$(grep -c '^h0[123] requests=[0-9]* sent=[0-9]* requests_per_msg=[0-9.]* retries=[0-9]*$' "$T/results/chaos.txt")" 3 \
	"chaos.txt: requests per message of every host"
run pm report
grep -q '^## Chaos' "$T/results/report.md"; ok $? "report.md has the chaos section"
run pm -j3 chaos $L $C
is "$rc" 2 "chaos again on a finished run is refused"
grep -q 'the run is done on every host: redeploy first' "$T/err"; ok $? "... saying to redeploy"
run pm -j3 status
ok "$(grep -c 'DOWN\|STOPPED\|cut' "$T/out")" "after chaos every process is up and no link is cut"
done_testing
