# t0304-cellsrv-links: the links of two cells (127.0.3.60, .61) leave from
# their host's address (ss: cellsrv's peer links and Redis connection,
# msgclient's HTTP connections), so a cut by address catches them; and a cut
# link is seen. An nftables table of this test's own drops TCP from cell 1's
# address to cell 2's peer port: cell 1 declares its link to cell 2 down
# within cellsrv's -t link timeout + 1 s (cellsrv_peer_up{cell="2"} 0),
# answers SENDs to cell 2 with 503 meanwhile, and reconnects once the table
# is deleted. The cut needs root and a working nft (skipped otherwise); the
# test runs in a network namespace of its own when it can, so its rule
# touches nothing else. A cut of an idle link is seen too (keepalive), and
# a frozen peer by its heartbeats, which a busy link does without.
if [ -z "${CS_NETNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	exec unshare -n env CS_NETNS=1 bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi
. "$(dirname "$0")/helper/lib.sh"
. "$(dirname "$0")/helper/cells.sh"

TO=2000       # cellsrv -t: link timeout, ms
cells_setup 2 200 5 3 60 || exit 1
cellsrv_start 1 -t $TO && cellsrv_start 2 -t $TO
ok $? "two cells up on ${ADDR[1]} and ${ADDR[2]}"
H1=http://${ADDR[1]}:9500
metric() { curl -s $H1/metrics | sed -n "s/^$1 //p"; }
# wait_metric NAME VALUE SECS: until cell 1's NAME is VALUE.
wait_metric() {
	local i
	for i in $(seq $(($3 * 20))); do
		[ "$(metric "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
wait_metric 'cellsrv_peer_up{cell="2"}' 1 5
ok $? "cell 1's link to cell 2 is up"

# conns PID: "local remote" of PID's established TCP connections.
conns() { ss -tnpH state established | awk -v p="pid=$1," 'index($0, p) { print $3, $4 }'; }
conns ${CS[1]} >"$T/c1"
conns ${CS[2]} >"$T/c2"
grep -q "^${ADDR[1]}:[0-9]* ${ADDR[2]}:9501\$" "$T/c1"
ok $? "cellsrv 1's peer link leaves from ${ADDR[1]}"
grep -q "^${ADDR[1]}:[0-9]* ${ADDR[1]}:7379\$" "$T/c1"
ok $? "cellsrv 1's Redis connection leaves from ${ADDR[1]}"
grep -q "^${ADDR[1]}:9501 ${ADDR[2]}:[0-9]*\$" "$T/c1"
ok $? "cell 2's link arrives at cell 1 from ${ADDR[2]}"
n=$(grep -vc "^${ADDR[1]}:" "$T/c1")
is "$n" 0 "every connection of cellsrv 1 has its address at this end"
[ "$n" = 0 ] || diag "$(cat "$T/c1")"
grep -q "^${ADDR[2]}:[0-9]* ${ADDR[1]}:9501\$" "$T/c2"
ok $? "cellsrv 2's peer link leaves from ${ADDR[2]}"
# msgclient of cell 2: many messages, so it is still running.
msgclient -i "$T/inv" -k 2 -m 500 -q >/dev/null 2>"$T/mc.err" &
MC=$!
track $MC
for _ in $(seq 100); do conns $MC | grep -q . && break; sleep 0.05; done
conns $MC >"$T/mc"
stop_pid $MC
[ -s "$T/mc" ] && ! grep -qv "^${ADDR[2]}:[0-9]* ${ADDR[2]}:9500\$" "$T/mc"
ok $? "msgclient's connections leave from ${ADDR[2]} ($(wc -l <"$T/mc") of them)"
[ -s "$T/mc" ] && grep -qv "^${ADDR[2]}:[0-9]* ${ADDR[2]}:9500\$" "$T/mc" && diag "$(cat "$T/mc")"

# A user of cell 1 with a friend in cell 2, and its next message id.
U=1
F=$(redis-cli -h ${ADDR[1]} -p 7379 SMEMBERS f:$U | sort -n | awk '$1 > 100' | head -1)
K=$(redis-cli -h ${ADDR[1]} -p 7379 HGET u:$U SendId)
send() { curl -s -o "$T/body" -w '%{http_code}' "$H1/api/c/$U/$F/$1/?message=$U-$F-$1"; printf ' %s' "$(cat "$T/body")"; }

# Heartbeats: cell 2 writes one every 500 ms on the link from cell 1
# while that link is idle. While cell 2 writes lines to cell 1 (the ACKs
# of cell 1's messages), it writes none, and cell 1 takes those lines as
# heartbeats: its SENDs to cell 2 stay accepted past the 2 s after which
# a silent peer is "not ready".
beats() { curl -s http://${ADDR[2]}:9500/metrics | sed -n 's/^cellsrv_peer_beats_out_total{cell="1"} //p'; }
b0=$(beats); sleep 2.1; b1=$(beats)
[ "$((b1 - b0))" -ge 2 ]
ok $? "idle: cell 2 beats on the link from cell 1 ($((b1 - b0)) in 2.1 s)"
K=$(redis-cli -h ${ADDR[1]} -p 7379 HGET u:$U SendId)
n=0 bad=0 t0=$(date +%s%N)
while [ $n -lt 2000 ] && [ $(($(date +%s%N) - t0)) -lt 3500000000 ]; do
	n=$((n + 1))
	r=$(send $((K + n)))
	[ "${r%% *}" = 200 ] || { bad=$((bad + 1)); diag "busy link: SEND $((K + n)): $r"; }
	[ $n = 20 ] && b0=$(beats)
done
b1=$(beats)
is "$bad" 0 "busy: $n SENDs to cell 2 over 3.5 s all accepted (its lines count as heartbeats)"
[ $n -gt 20 ] && [ "$((b1 - b0))" -le 1 ]
ok $? "busy: cell 2 writes no heartbeats on the link from cell 1 ($((b1 - b0)) after SEND 20 of $n)"
K=$(redis-cli -h ${ADDR[1]} -p 7379 HGET u:$U SendId)

# The cut: an nftables table of our own, deleted at exit.
TBL=cellstress_t0304_$$
# nft_cut [both]: drop TCP from cell 1's address to cell 2's peer port;
# both: the answers on that connection too (as make chaos cuts).
nft_cut() {
	local back=""
	[ "${1:-}" = both ] && back="ip saddr ${ADDR[2]} tcp sport 9501 ip daddr ${ADDR[1]} drop;"
	nft -f - <<-EOF
	table inet $TBL {
		chain out { type filter hook output priority 0; ip saddr ${ADDR[1]} ip daddr ${ADDR[2]} tcp dport 9501 drop; $back }
	}
	EOF
}
if [ "$(id -u)" != 0 ]; then
	echo "ok $((_n + 1)) # skip the cut needs root (nftables)"; _n=$((_n + 1))
	done_testing; exit
fi
if ! command -v nft >/dev/null || ! nft_cut 2>"$T/nft.err"; then
	echo "ok $((_n + 1)) # skip nft is not usable: $(head -c 200 "$T/nft.err" 2>/dev/null)"; _n=$((_n + 1))
	done_testing; exit
fi
trap 'nft delete table inet $TBL 2>/dev/null; _cleanup' EXIT
t0=$(date +%s%N)
# data on the link too: DLV of message K+1 (accepted, then lost)
is "$(send $((K + 1)) | cut -c1-3)" 200 "cut: a SEND to cell 2 right after the cut is accepted"
wait_metric 'cellsrv_peer_up{cell="2"}' 0 $((TO / 1000 + 5))
ok $? "cut: cell 1 sees its link to cell 2 down"
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -le $((TO + 1000)) ]
ok $? "... within the link timeout + 1 s ($ms ms, timeout $TO ms)"
grep -q "peer h02 (cell 2) ${ADDR[2]}:9501 down: " "$T/cellsrv1.log"
ok $? "cellsrv 1 logs it: $(grep 'peer h02 (cell 2).*down' "$T/cellsrv1.log" | tail -1)"
is "$(send $((K + 2)))" '503 {"error":"peer link down","cell":2}' "cut: a new SEND to cell 2 is 503 naming the cell"
is "$(redis-cli -h ${ADDR[1]} -p 7379 HGET u:$U SendId)" $((K + 1)) "... and wrote nothing"
sleep 1
is "$(metric 'cellsrv_peer_up{cell="2"}')" 0 "cut: still down while the cut lasts"

nft delete table inet $TBL
wait_metric 'cellsrv_peer_up{cell="2"}' 1 10
ok $? "healed: the link is up again"
n=$(metric 'cellsrv_peer_reconnects_total{cell="2"}')
[ "${n:-0}" -ge 1 ]; ok $? "healed: reconnect counted ($n)"
is "$(send $((K + 1)) | cut -c1-3)" 200 "healed: the lost message re-sent"
is "$(send $((K + 2)) | cut -c1-3)" 200 "healed: the next message is accepted"
for _ in $(seq 100); do
	[ "$(redis-cli -h ${ADDR[1]} -p 7379 HGET u:$U SendAckId)" = $((K + 2)) ] && break
	sleep 0.05
done
is "$(redis-cli -h ${ADDR[1]} -p 7379 HGET u:$U SendAckId)" $((K + 2)) "healed: both acknowledged by cell 2"

# A frozen peer (SIGSTOP) still accepts and acknowledges at the TCP level,
# but its heartbeats stop: SENDs to its users are 503 after 2 s, not lost
# in its buffers; thawed, they go through again.
kill -STOP ${CS[2]}
K=$(redis-cli -h ${ADDR[1]} -p 7379 HGET u:$U SendId)
for _ in $(seq 60); do
	[ "$(send $((K + 1)) | cut -c1-3)" = 503 ] && break
	K=$(redis-cli -h ${ADDR[1]} -p 7379 HGET u:$U SendId)
	sleep 0.1
done
is "$(send $((K + 1)))" '503 {"error":"peer not ready","cell":2}' "frozen peer: SENDs to it are 503 (its heartbeats stopped)"
kill -CONT ${CS[2]}
for _ in $(seq 60); do [ "$(send $((K + 1)) | cut -c1-3)" = 200 ] && break; sleep 0.1; done
is "$(send $((K + 1)) | cut -c1-3)" 200 "thawed: SENDs to it go through"

# An idle link cut both ways (nothing to send): keepalive probes find it.
# (Cut one way only, the peer's heartbeats still arrive: an idle link is
# then seen down at its next data, or once the peer gave up on it.)
sleep 0.5
nft_cut both
t0=$(date +%s%N)
wait_metric 'cellsrv_peer_up{cell="2"}' 0 $((TO / 1000 + 5))
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -le $((TO + 1000)) ]
ok $? "idle link cut: seen down within the link timeout + 1 s ($ms ms)"
nft delete table inet $TBL
wait_metric 'cellsrv_peer_up{cell="2"}' 1 10
ok $? "idle link healed: up again"
done_testing
