# t0440-msgclient-faults: re-sends that back off. Two cells (127.0.3.80,
# .81), a client on each; mid-run cellsrv 2 is frozen (SIGSTOP) for 4 s,
# with a re-send pause of 1 s (-r 1000) so that rounds come often. Cell 1's
# cellsrv sees cell 2's heartbeats stop and answers SENDs for it 503 naming
# the cell: client 1 holds back only those messages and goes on with the
# others, and its re-send rounds skip what cannot get through and what the
# server lists as acked. Afterwards both clients finish, checkdb finds every
# message once and in order, and client 1 made at most 1.5 requests per
# message, few of them re-sends.
. "$(dirname "$0")/helper/lib.sh"
. "$(dirname "$0")/helper/cells.sh"

M=20
cells_setup 2 600 10 4 80 || exit 1
cellsrv_start 1 && cellsrv_start 2
ok $? "two cells up"
declare -a MC
for c in 1 2; do
	msgclient -i "$T/inv" -k $c -m $M -r 1000 -t 60 >"$T/mc$c.out" 2>"$T/mc$c.err" &
	MC[$c]=$!
	track ${MC[$c]}
done
rel=$(cat "$T"/load[12] | sed 's/.*relations=\([0-9]*\).*/\1/' | paste -sd+ | bc)
wait_sent "$T/mc1.out" $((rel * M / 2 / 5)) 60
ok $? "client 1 under way"
kill -STOP ${CS[2]}
s0=$(sent_of "$T/mc1.out")
sleep 4
s1=$(sent_of "$T/mc1.out")
kill -CONT ${CS[2]}
[ "$s1" -gt $((s0 + 1000)) ]
ok $? "cell 2 frozen: client 1 goes on with its other messages (sent $s0 -> $s1 in 4 s)"
for c in 1 2; do
	wait ${MC[$c]}
	is "$?" 0 "client $c finishes"
	run checkdb -i "$T/inv" -k $c -m $M
	is "$rc" 0 "checkdb cell $c: $(tail -n 1 "$T/out" | cut -d' ' -f4-9)"
done
f() { tail -n 1 "$T/mc1.out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
sent=$(( $(f sent) - $(f sent_before) ))
diag "client 1: $(tail -n 1 "$T/mc1.out" | cut -d' ' -f4-12)"
[ "$(f http503)" -gt 0 ]; ok $? "client 1 was told cell 2 could not be reached ($(f http503) answers 503)"
[ $(( $(f requests) * 2 )) -le $(( sent * 3 )) ]
ok $? "client 1: at most 1.5 requests per message ($(f requests) for $sent)"
[ $(( $(f retries) * 10 )) -le "$sent" ]
ok $? "client 1: re-sends at most 10% of the messages ($(f retries) of $sent)"
done_testing
