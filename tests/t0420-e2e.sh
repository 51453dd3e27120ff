# t0420-e2e: the whole cell core end to end. 3 cells (redis-server + cellsrv
# each) on 127.0.3.10-12, 3,000 users (SAME 20, CROSS 10) loaded with
# gen-users | redis-bulkload, one msgclient per cell with MSGS 5. During the
# run cellsrv 2 is killed with SIGKILL and restarted, and msgclient 3 is
# killed with SIGKILL and started again. Then checkdb on every cell must find
# every message exactly once and in order; and after corrupting one inbox
# entry it must fail and name that user.
. "$(dirname "$0")/helper/lib.sh"
. "$(dirname "$0")/helper/cells.sh"

USERS=3000 MSGS=5
cells_setup 3 $USERS 20 10 10 || exit 1
for c in 1 2 3; do cellsrv_start $c || { ok 1 "cellsrv $c up"; exit 1; }; done
ok 0 "3 cells loaded and up"

declare -a MC
mc_start() { msgclient -i "$T/inv" -k $1 -m $MSGS -t 240 >>"$T/mc$1.out" 2>>"$T/mc$1.err" & MC[$1]=$!; track ${MC[$1]}; }
for c in 1 2 3; do mc_start $c; done

# Kill cellsrv 2 once its client is well under way, restart it at once.
wait_sent "$T/mc2.out" 20000 120
ok $? "msgclient 2 under way (sent $(sent_of "$T/mc2.out"))"
kill -9 ${CS[2]}; wait ${CS[2]} 2>/dev/null
sleep 0.3
cellsrv_start 2
ok $? "cellsrv 2 restarted after SIGKILL"

# Kill msgclient 3 mid-run and start it again.
wait_sent "$T/mc3.out" 40000 120
ok $? "msgclient 3 under way"
kill -9 ${MC[3]}; wait ${MC[3]} 2>/dev/null
before=$(sent_of "$T/mc3.out")
echo "--- restart" >>"$T/mc3.out"
mc_start 3

for c in 1 2 3; do
	wait ${MC[$c]}; rc=$?
	is "$rc" 0 "msgclient $c exits 0"
	[ $rc -eq 0 ] || diag "$(tail -n 3 "$T/mc$c.err")"
done
first=$(sed -n '/^--- restart/,$s/.* sent_before=\([0-9]*\) .*/\1/p' "$T/mc3.out")
[ "${first:-0}" -ge "$before" ]
ok $? "restarted msgclient 3 resumed from the server's state (sent $before before the kill, server had ${first:-?})"
grep -q 'errors=[1-9]' "$T/mc2.out"
ok $? "msgclient 2 saw the cellsrv restart (connection errors) and carried on"
diag "$(grep -h '^users=' "$T"/mc[123].out | tr '\n' '|')"

total=0
for c in 1 2 3; do
	run checkdb -i "$T/inv" -k $c -m $MSGS
	is "$rc" 0 "checkdb cell $c exits 0"
	s=$(tail -n 1 "$T/out")
	case $s in
	*" lost=0 duplicated=0 disordered=0 "*) ok 0 "checkdb cell $c: lost=0 duplicated=0 disordered=0" ;;
	*) ok 1 "checkdb cell $c: lost=0 duplicated=0 disordered=0"; diag "$s"; diag "$(head -3 "$T/out")" ;;
	esac
	total=$((total + $(echo "$s" | sed 's/.* received=\([0-9]*\) .*/\1/')))
done
rel=$(cat "$T"/load[123] | sed 's/.*relations=\([0-9]*\).*/\1/' | paste -sd+ | bc)
is "$total" $((rel * MSGS)) "received over all cells = relations loaded x MSGS"

# Negative: one corrupted inbox entry of user 1500 (cell 2).
e=$(redis-cli -h ${ADDR[2]} -p 7379 LINDEX i:1500 3)
redis-cli -h ${ADDR[2]} -p 7379 LSET i:1500 3 "${e% *} 1-1500-1" >/dev/null
run checkdb -i "$T/inv" -k 2 -m $MSGS
is "$rc" 1 "checkdb fails after one inbox entry is corrupted"
grep -q '^user 1500: ' "$T/out"
ok $? "and names user 1500: $(grep '^user [0-9]' "$T/out" | head -c 150)"
is "$(grep -c '^user [0-9]' "$T/out")" 1 "only that user fails"
done_testing
