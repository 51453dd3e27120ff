# t0545-pipeline-heal: `make heal` starts on each host what should run and
# does not, during a run, never wiping anything: a redis-server killed with
# SIGKILL comes back from its AOF, a killed cellsrv and a killed client are
# started again; one line per host says what was restarted; heal again says
# "all running"; `make status` shows each process up or down; the run then
# finishes and check proves nothing was lost (APPENDFSYNC=always). Over
# TRANSPORT=local, then the same over ssh.
. "$(dirname "$0")/helper/lib.sh"
FIRST=45
. "$(dirname "$0")/helper/pipeline.sh"

pidof_() { cat "$T/run/$1/pid/$2.pid" 2>/dev/null; }

heal_test() {
	local tr=$1 r2 c3 m1
	run pm -j3 provision deploy $LAYOUT_T TRANSPORT="$tr" APPENDFSYNC=always
	ok "$rc" "TRANSPORT=$tr: provision and deploy"
	run pm heal
	is "$rc $(sort "$T/out" | tr '\n' '|')" "0 [h01] heal: all running|[h02] heal: all running|[h03] heal: all running|" \
		"heal on a healthy cluster: all running, one line per host"
	run pm status
	is "$(grep -c '^\[h0[123]\] status: redis-server up (pid [0-9]*, [0-9hms]*), cellsrv up (pid [0-9]*, [0-9hms]*), msgclient not started$' "$T/out")" 3 \
		"status before the run: both servers up with PID and uptime, no client yet"

	# The run under way, then three processes killed on three hosts.
	pm -j3 run >"$T/run1.out" 2>&1 &
	local mk=$!
	for _ in $(seq 200); do [ -s "$T/run/h01/log/msgclient.log" ] && [ -s "$T/run/h03/log/msgclient.log" ] && break; sleep 0.05; done
	r2=$(pidof_ h02 redis) c3=$(pidof_ h03 cellsrv) m1=$(pidof_ h01 msgclient)
	kill -9 "$r2" "$c3"
	kill -9 -- "-$m1"
	sleep 0.5
	run pm status
	grep -q '^\[h02\] status: redis-server DOWN' "$T/out" && grep -q '^\[h03\] status: .*cellsrv DOWN' "$T/out" &&
		grep -q '^\[h01\] status: .*msgclient DOWN' "$T/out"
	ok $? "status names what is down: $(grep -o 'redis-server DOWN\|cellsrv DOWN\|msgclient DOWN' "$T/out" | tr '\n' ' ')"
	run pm -j3 heal
	ok "$rc" "heal during the run"
	grep -Eq '^\[h02\] heal: redis-server restarted \(AOF [0-9.]+ MB loaded in [0-9.]+ s\)' "$T/out"
	ok $? "h02: redis-server restarted from its AOF: $(grep '^\[h02\]' "$T/out")"
	grep -q '^\[h03\] heal: cellsrv restarted$' "$T/out"; ok $? "h03: cellsrv restarted"
	grep -q '^\[h01\] heal: msgclient restarted$' "$T/out"; ok $? "h01: msgclient restarted"
	run pm -j3 heal
	is "$(grep -c 'heal: all running$' "$T/out")" 3 "heal again: all running (idempotent)"
	wait "$mk"
	run pm -j3 run check
	ok "$rc" "the run finishes and check passes"
	is "$(head -n 1 "$T/results/summary.txt" | grep -o 'lost=[0-9]* duplicated=[0-9]* disordered=[0-9]*')" \
		"lost=0 duplicated=0 disordered=0" "nothing lost, duplicated or out of order"
	run pm heal
	is "$(grep -c 'heal: all running$' "$T/out")" 3 "after the run: heal starts no client again"
	run pm status
	is "$(grep -c 'msgclient finished (status 0)$' "$T/out")" 3 "status: every client finished with status 0"
	run pm destroy
}

heal_test local
heal_test ssh
run pm heal
is "$rc" 2 "heal without a cluster fails"
grep -q 'no inventory; run make provision first' "$T/err"; ok $? "... saying why"
done_testing
