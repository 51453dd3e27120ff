# t0302-cellsrv-peers: three cells (redis-server + cellsrv each) exchange
# messages over their peer links. One cellsrv starts late (its peers must
# reconnect), one is killed with SIGKILL mid-run and restarted; a client loop
# re-sends every message above SendAckId until done. Every message must then
# be in its inbox exactly once and in order, and restarts must keep state.
. "$(dirname "$0")/helper/lib.sh"

N=12 MSGS=3
ADDR=(x 127.0.2.30 127.0.2.31 127.0.2.32)
cell() { echo $(( ($1 - 1) / 4 + 1 )); }
# The friends of u: u±1 and u±4 around a ring of N users.
friends() { for d in 1 4 $((N - 1)) $((N - 4)); do echo $(( (u - 1 + d) % N + 1 )); done | sort -n; }
: >"$T/inv"
for c in 1 2 3; do
	printf 'h0%d %s %d %d %d\n' $c ${ADDR[$c]} $c $(( (c - 1) * 4 + 1 )) $(( c * 4 )) >>"$T/inv"
	start_redis ${ADDR[$c]} 7379 || exit 1
done
for u in $(seq $N); do
	c=$(cell $u)
	{ echo "HSET u:$u SendId 0 SendAckId 0 ReceiveId 0 ClientReceiveId 0"
	  echo "SADD f:$u $(friends | paste -sd' ')"; } | redis-cli -h ${ADDR[$c]} -p 7379 >/dev/null
done

declare -a CS
start_cell() {
	cellsrv -i "$T/inv" -k $1 2>>"$T/cellsrv$1.log" &
	CS[$1]=$!
	track ${CS[$1]}
	for _ in $(seq 100); do curl -sf http://${ADDR[$1]}:9500/healthz >/dev/null && return 0; sleep 0.05; done
	return 1
}
# urls C [all]: SEND URLs of cell C's users, in reverse id order (so most
# arrive before their predecessors), only those above SendAckId unless "all".
urls() {
	local c=$1 u f j k a
	for u in $(seq $(( (c - 1) * 4 + 1 )) $(( c * 4 ))); do
		a=0
		[ "${2:-}" = all ] || a=$(curl -s http://${ADDR[$c]}:9500/api/user/$u | sed 's/.*"SendAckId":\([0-9]*\).*/\1/')
		k=0
		for f in $(friends); do
			for j in $(seq $MSGS); do
				k=$((k + 1))
				[ $k -gt "$a" ] && echo "url = \"http://${ADDR[$c]}:9500/api/c/$u/$f/$k/?message=$u-$f-$j\""
			done
		done
	done | tac
}
# sendall C [all]: one keep-alive curl for all of C's SENDs; prints the count.
sendall() {
	urls "$@" >"$T/urls$1"
	[ -s "$T/urls$1" ] && curl -s -K "$T/urls$1" >/dev/null 2>&1
	wc -l <"$T/urls$1"
}

start_cell 1 && start_cell 2
ok $? "cells 1 and 2 up (cell 3 not started)"
sendall 1 all >/dev/null
sendall 2 all >/dev/null
start_cell 3
ok $? "cell 3 starts late"
sendall 3 all >/dev/null
sleep 0.5

before=$(curl -s http://${ADDR[2]}:9500/api/user/6)
kill -9 ${CS[2]}
wait ${CS[2]} 2>/dev/null
start_cell 2
ok $? "cell 2 restarted after SIGKILL"
is "$(curl -s http://${ADDR[2]}:9500/api/user/6)" "$before" "restarted cellsrv shows the same state"

# Client loop: re-send what is not acked, bounded in rounds and time.
left=1
for round in $(seq 40); do
	left=0
	for c in 1 2 3; do left=$((left + $(sendall $c))); done
	[ $left -eq 0 ] && break
	sleep 0.3
done
is "$left" 0 "every message acked (after $round rounds)"

for _ in $(seq 50); do
	bad=0
	for u in $(seq $N); do
		r=$(redis-cli -h ${ADDR[$(cell $u)]} -p 7379 HGET u:$u ReceiveId)
		[ "$r" -eq $((4 * MSGS)) ] || bad=1
	done
	[ $bad -eq 0 ] && break
	sleep 0.1
done
# Every inbox: from each friend f the bodies f-u-1..f-u-MSGS once, in order.
for u in $(seq $N); do
	redis-cli -h ${ADDR[$(cell $u)]} -p 7379 LRANGE i:$u 0 -1 | sed "s/^/$u /"
done >"$T/inboxes"
awk -v msgs=$MSGS '
	{ key = $2 " " $1; n[key]++; want = $2 "-" $1 "-" n[key]
	  if ($5 != want) { print "user " $1 ": got " $5 " want " want; bad++ }
	  if ($3 != n[key]) { print "user " $1 ": seq " $3 " want " n[key]; bad++ } }
	END { for (k in n) if (n[k] != msgs) { print k ": " n[k] " messages"; bad++ }
	      exit bad > 0 }' "$T/inboxes" >"$T/check"
ok $? "every inbox holds each friend's messages once and in order"
[ -s "$T/check" ] && diag "$(head -5 "$T/check")"
is "$(wc -l <"$T/inboxes")" $((N * 4 * MSGS)) "all $((N * 4 * MSGS)) messages delivered"
counters=$(for u in $(seq $N); do redis-cli -h ${ADDR[$(cell $u)]} -p 7379 HMGET u:$u SendId SendAckId ReceiveId | paste -sd' '; done | sort -u)
is "$counters" "$((4 * MSGS)) $((4 * MSGS)) $((4 * MSGS))" "SendId = SendAckId = ReceiveId = friends x MSGS for all"
for c in 1 2 3; do
	n=$(redis-cli -h ${ADDR[$c]} -p 7379 --scan --pattern 'p[sda]:*' | wc -l)
	is "$n" 0 "cell $c: nothing left parked"
done
m=$(curl -s http://${ADDR[1]}:9500/metrics)
case $m in *'cellsrv_peer_connects_total{cell="2"} 2'*) ok 0 "cell 1 reconnected to the restarted cell 2" ;;
*) ok 1 "cell 1 reconnected to the restarted cell 2"; diag "$(echo "$m" | grep peer_)" ;; esac
case $m in *'cellsrv_peer_up{cell="3"} 1'*) ok 0 "cell 1 linked to the late cell 3" ;;
*) ok 1 "cell 1 linked to the late cell 3" ;; esac

# A full batch of 256 peer lines in one read (DLVs: 6 arguments each), a
# 256th line with a 2 KiB unescaped body, and the next DLV of 5 -> 1 with an
# id of 15 digits: ignored or refused, nothing written, cellsrv alive (the
# first two overflowed its argument and body arrays, the id was stored as
# "1.2345678901234e+14" by the Redis function). Then two DLVs of 5 -> 1 far
# beyond the pair's in-seq (3) + the window (65536): dropped, not parked.
state() {
	local k
	for k in $(redis-cli -h ${ADDR[1]} -p 7379 --scan | sort); do
		printf '%s %s\n' "$k" "$(redis-cli -h ${ADDR[1]} -p 7379 --raw TYPE "$k")"
	done
	for u in 1 2 3 4; do redis-cli -h ${ADDR[1]} -p 7379 HGETALL u:$u; redis-cli -h ${ADDR[1]} -p 7379 LRANGE i:$u 0 -1; done
}
state >"$T/state-before"
python3 -c '
import socket, sys, time
for data in (b"D 6 1 1 1 \n" * 256, b"A 1 2 5\n" * 255 + b"D 6 1 1 1 " + b"x" * 2040 + b"\n",
             b"D 5 1 4 123456789012345 big\n",
             b"D 5 1 65540 13 far\nD 5 1 1000000000003 14 far\n"):
    s = socket.create_connection((sys.argv[1], 9501))
    time.sleep(0.2)
    s.sendall(data)
    time.sleep(0.3)
    s.close()
' ${ADDR[1]}
m=$(curl -s http://${ADDR[1]}:9500/metrics)
is "$(curl -s http://${ADDR[1]}:9500/healthz)" ok "cellsrv answers after a full batch of peer lines and an oversized body"
case $m in *'cellsrv_peer_bad_lines_total 2'*) ok 0 "the oversized body and the 15-digit id are counted as bad lines" ;;
*) ok 1 "the oversized body and the 15-digit id are counted as bad lines"; diag "$(echo "$m" | grep peer_)" ;; esac
case $m in *'cellsrv_peer_dropped_far_total 2'*) ok 0 "the two far-ahead DLVs are counted as dropped" ;;
*) ok 1 "the two far-ahead DLVs are counted as dropped"; diag "$(echo "$m" | grep peer_)" ;; esac
state | cmp -s "$T/state-before" -; ok $? "... and nothing was written"
done_testing
