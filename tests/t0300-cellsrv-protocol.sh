# t0300-cellsrv-protocol: the protocol steps (SEND, DLV, ACK) of cellsrv's
# Redis functions against a real redis-server. cellsrv installs the library;
# the steps are then called with FCALL as cellsrv would, playing two cells
# (users 1-3 and 4-6) in one Redis: the lo/hi arguments say which users are
# local, so a step for the other "cell" comes back as a peer line.
. "$(dirname "$0")/helper/lib.sh"

A=127.0.2.10
start_redis $A 7379 --enable-debug-command yes || exit 1
R() { redis-cli -h $A -p 7379 "$@"; }
# call FN ARGS...: the reply on one line, elements separated by "|".
call() { R FCALL "$1" 0 "${@:2}" | sed '/^$/d' | paste -sd'|'; }
send() { call cs_send 1 3 100 "$@"; }      # U F K BODY, at the cell of 1-3
# cs_peer replies {delivered, acked, duplicate, dropped far, items...}
peerA() { call cs_peer 1 3 100 "$@"; }     # items arriving at cell 1-3
peerB() { call cs_peer 4 6 100 "$@"; }     # items arriving at cell 4-6
hget() { R HGET "u:$1" "$2"; }
digest() { R DEBUG DIGEST; }

printf 'h01 %s 1 1 3\nh02 127.0.2.11 2 4 6\n' $A >"$T/inv"
cellsrv -i "$T/inv" -k 1 -q 2>"$T/cellsrv.log" &
track $!
for _ in $(seq 100); do R FUNCTION LIST LIBRARYNAME cellstress | grep -q cs_send && break; sleep 0.05; done
R FUNCTION LIST LIBRARYNAME cellstress | grep -q cs_send
ok $? "cellsrv installs the function library"

# The whole scenario runs twice: on user records as redis-bulkload writes
# them, with the Parked count at 0, and on records without it (made by
# hand), where every parked key is looked up and no count is kept.
# parked U N: u:U's Parked is N (or absent, in the second pass).
parked() { is "$(hget $1 Parked)" "${PF:+$2}" "Parked of $1 is ${PF:+$2}${PF:-absent}"; }
for PF in "Parked 0" ""; do
diag "user records ${PF:+with Parked}${PF:-without Parked}"
R FLUSHALL >/dev/null
for u in 1 2 3 4 5 6; do
	R HSET u:$u SendId 0 SendAckId 0 ReceiveId 0 ClientReceiveId 0 $PF >/dev/null
done
R SADD f:1 2 3 4 5 >/dev/null; R SADD f:2 1 >/dev/null; R SADD f:3 1 >/dev/null
R SADD f:4 1 5 >/dev/null; R SADD f:5 1 4 >/dev/null

# Client ids out of order: 3 and 2 are parked until 1 comes.
is "$(send 1 4 3 1-4-2)" "park|0|0|0|0|0|0|0" "SEND k=3 before k=1 is parked"
is "$(send 1 4 2 1-4-1)" "park|0|0|0|0|0|0|0" "SEND k=2 before k=1 is parked"
is "$(R HLEN ps:1)" 2 "two sends parked in ps:1"
parked 1 2
is "$(send 1 4 3 1-4-2)" "park|0|0|0|0|0|0|0" "duplicate of a parked SEND changes nothing"
d=$(digest)
is "$(send 1 4 3 other)" "CONFLICT message id accepted with another friend or body" \
	"parked SEND with another body is a conflict"
is "$(digest)" "$d" "the conflicting SEND wrote nothing"
is "$(send 1 5 1 1-5-1)" "acc|3|0|0|3|0|0|0|D 1 5 1 1 1-5-1|D 1 4 1 2 1-4-1|D 1 4 2 3 1-4-2" \
	"k=1 drains the parked sends in id order, pair seqs in id order"
is "$(R LRANGE o:1 0 -1 | paste -sd'|')" "5 1 1-5-1|4 1 1-4-1|4 2 1-4-2" "outbox holds F SEQ BODY per id"
is "$(R HLEN ps:1)" 0 "nothing left parked"
parked 1 0
is "$(hget 1 '>4')|$(hget 1 '>5')" "2|1" "pair sequences out"

# Duplicate and retransmitted SENDs.
is "$(send 1 4 2 1-4-1)" "retx|3|0|0|0|0|0|0|D 1 4 1 2 1-4-1" "SEND of an accepted id re-forwards the stored DLV"
d=$(digest)
is "$(send 1 5 2 1-4-1)" "CONFLICT message id accepted with another friend or body" \
	"accepted id with another friend is a conflict"
is "$(send 1 4 2 changed)" "CONFLICT message id accepted with another friend or body" \
	"accepted id with another body is a conflict"
is "$(digest)" "$d" "conflicts wrote nothing"

# DLVs at the other cell: out of order, then duplicates.
is "$(peerB D 1 4 2 3 1-4-2)" "0|0|0|0" "DLV seq 2 before seq 1 is parked, no ACK yet"
is "$(R HLEN pd:4)" 1 "parked in pd:4"
parked 4 1
is "$(peerB D 1 4 2 3 1-4-2)" "0|0|0|0" "duplicate of a parked DLV changes nothing"
is "$(peerB D 1 4 1 2 1-4-1)" "2|0|0|0|A 1 4 2|A 1 4 3" "seq 1 delivers both in order and ACKs both"
is "$(R LRANGE i:4 0 -1 | paste -sd'|')" "1 1 2 1-4-1|1 2 3 1-4-2" "inbox holds F SEQ K BODY in pair order"
is "$(hget 4 ReceiveId)|$(hget 4 '<1')|$(R HLEN pd:4)" "2|2|0" "ReceiveId and in-seq advanced, nothing parked"
parked 4 0
d=$(digest)
is "$(peerB D 1 4 1 2 1-4-1)" "0|0|1|0|A 1 4 2" "duplicate DLV is ACKed again"
is "$(digest)" "$d" "duplicate DLV wrote nothing"
is "$(peerB D 2 4 1 1 x)" "0|0|0|0" "DLV from a non-friend is ignored"
is "$(peerB D 1 1 1 1 x)" "0|0|0|0" "DLV for a user of another cell is ignored"
is "$(peerB D 5 4 1 1 x)" "0|0|0|0" "DLV between two local users over a link is ignored"
is "$(peerB D 1 4 x 1 x)|$(peerA A 1 4 -)" "0|0|0|0|0|0|0|0" "DLV and ACK with malformed numbers are ignored"
is "$(digest)" "$d" "ignored DLVs wrote nothing"

# ACKs back at the sender's cell: out of order, duplicate, lost.
is "$(peerA A 1 4 3)" "0|1|0|0|a 1 4 3" "ACK k=3 before k=1 is applied but SendAckId waits"
is "$(hget 1 SendAckId)|$(R SMEMBERS pa:1)" "0|3" "k=3 parked in pa:1"
parked 1 1
is "$(call cs_user 1)" "3|0|0|0|4|2|3|4|5|3" "cs_user lists the ACK parked in pa:1 as acked"
is "$(peerA A 1 4 3)" "0|0|0|0" "duplicate ACK changes nothing"
is "$(peerA A 1 4 9)" "0|0|0|0" "ACK for an id never sent is ignored"
# The ACKs of 1 and 2 are lost; the client re-sends k=1 and k=2.
is "$(send 1 5 1 1-5-1)" "retx|3|0|0|0|0|0|0|D 1 5 1 1 1-5-1" "lost ACK: the re-sent SEND re-forwards k=1"
is "$(peerB D 1 5 1 1 1-5-1)" "1|0|0|0|A 1 5 1" "first delivery of k=1 at 5"
is "$(peerA A 1 5 1)" "0|1|0|0|a 1 5 1" "its ACK arrives"
is "$(hget 1 SendAckId)" 1 "SendAckId 1: k=2 still unacked"
is "$(send 1 4 2 1-4-1)" "retx|3|1|0|0|0|0|0|D 1 4 1 2 1-4-1" "lost ACK: the re-sent k=2 re-forwards its DLV"
is "$(peerB D 1 4 1 2 1-4-1)" "0|0|1|0|A 1 4 2" "re-forwarded DLV of k=2 is a duplicate there and ACKed again"
is "$(peerA A 1 4 2)|$(hget 1 SendAckId)|$(R EXISTS pa:1)" "0|1|0|0|a 1 4 2|3|0" \
	"the repeated ACK closes the gap: SendAckId 3, pa:1 empty"
parked 1 0
is "$(send 1 4 3 1-4-2)" "done|3|3|0|0|0|0|0" "SEND of an acked id is done, nothing forwarded"

# Same cell: SEND, DLV and ACK in one call.
is "$(send 1 2 4 1-2-1)" "acc|4|4|0|1|1|1|0" "same-cell SEND is delivered and acked in the same call"
is "$(R LRANGE i:2 0 -1)|$(hget 2 ReceiveId)" "1 1 4 1-2-1|1" "delivered to the local inbox"

# Bad steps write nothing.
d=$(digest)
is "$(send 7 1 1 x)|$(send 1 6 5 x)|$(send 1 2 200 x)|$(send 1 2 0 x)" \
	"NOUSER unknown user|NOTFRIEND not a friend|WINDOW message id too far above SendAckId|BADID message id must be a positive integer" \
	"unknown user, non-friend, a K beyond the window and K = 0 are refused"
is "$(digest)" "$d" "refused steps wrote nothing"

# cellsrv sends the SENDs of one loop turn as one cs_sendv: each gets its own
# reply, errors included, applied in order.
is "$(call cs_sendv 1 3 100 1 2 6 1-2-3 7 1 1 x 1 2 5 1-2-2 1 3 7 1-3-1 | sed 's/|a [0-9 ]*//g')" \
	"park|4|4|0|0|0|0|0|NOUSER unknown user|acc|6|6|0|2|2|2|0|acc|7|7|0|1|1|1|0" \
	"cs_sendv: a batch of SENDs, one reply each, in order"
is "$(R LRANGE i:2 0 -1 | paste -sd'|')" "1 1 4 1-2-1|1 2 5 1-2-2|1 3 6 1-2-3" "batched SENDs delivered in order"
# A DLV is parked only up to the window (100 here) past the pair's in-seq:
# a legitimate one is never farther (its sender refuses a client id beyond
# SendAckId + window), so one beyond is dropped and counted, writing nothing
# (a hostile peer could otherwise grow pd: without bound).
is "$(hget 5 '<1')|$(R EXISTS pd:5)" "1|0" "pair 1->5 at seq 1, nothing parked"
d=$(digest)
is "$(peerB D 1 5 102 102 far)" "0|0|0|1" "DLV seq = in-seq + window + 1 is dropped and counted"
is "$(peerB D 1 5 1000000000001 7 far D 1 5 5000 8 far D 1 5 5001 9 far)" "0|0|0|3" \
	"DLVs 10^12 and thousands of seqs ahead are dropped and counted"
is "$(digest)" "$d" "dropped far-ahead DLVs wrote nothing"
is "$(peerB D 1 5 101 101 b101)|$(R HLEN pd:5)" "0|0|0|0|1" "DLV seq = in-seq + window is parked"
parked 5 1
is "$(peerB D 1 5 3 3 b3 D 1 5 2 2 b2)" "2|0|0|0|A 1 5 2|A 1 5 3" \
	"seq 3 parked, seq 2 delivers 2 and 3"
items=$(for q in $(seq 4 100); do printf 'D 1 5 %d %d b%d ' $q $q $q; done)
is "$(peerB $items | cut -d'|' -f1-4)|$(R EXISTS pd:5)|$(hget 5 '<1')" "98|0|0|0|0|101" \
	"filling the gap drains the parked seq = in-seq + window"
is "$(R LRANGE i:5 0 -1 | awk '$1 == 1 { print $2 }' | paste -sd' ')|$(hget 5 ReceiveId)" \
	"$(seq 1 101 | paste -sd' ')|101" "pair 1->5 delivered once each, in seq order"
is "$(peerB D 1 5 102 102 b102)" "1|0|0|0|A 1 5 102" "the dropped DLV, re-sent once the gap is closed, is delivered"

# A same-cell message acknowledged out of order (an earlier one, to the
# other cell, is not yet) and re-sent: it was delivered in the call that
# accepted it, so the re-sent SEND only acknowledges it again.
s=$(hget 1 SendId) a=$(hget 1 SendAckId) r=$(hget 1 ReceiveId)
is "$(send 1 4 $((s + 1)) r1)" "acc|$((s + 1))|$a|$r|1|0|0|0|D 1 4 $(hget 1 '>4') $((s + 1)) r1" \
	"a SEND to the other cell waits for its ACK"
is "$(send 1 2 $((s + 2)) r2)" "acc|$((s + 2))|$a|$r|1|1|1|0" "the next, same-cell, is delivered and acked at once"
is "$(R SMEMBERS pa:1)" "$((s + 2))" "its ACK is parked in pa:1"
d=$(digest)
is "$(send 1 2 $((s + 2)) r2)" "retx|$((s + 2))|$a|$r|0|0|0|1" \
	"the same-cell message re-sent is a duplicate, acknowledged again"
is "$(digest)" "$d" "and writes nothing"
is "$(R LRANGE i:2 -1 -1)" "1 $(hget 1 '>2') $((s + 2)) r2" "delivered once, with the pair's next seq"
is "$(peerA A 1 4 $((s + 1)))|$(hget 1 SendAckId)" "0|1|0|0|a 1 4 $((s + 1))|$((s + 2))" \
	"the other cell's ACK closes the gap"

# The window holds for SENDs in order too: user 3 with 100 messages
# unacknowledged (counters set by hand) may not send its 101st.
R HSET u:3 SendId 100 SendAckId 0 >/dev/null
d=$(digest)
is "$(send 3 1 101 x)" "WINDOW message id too far above SendAckId" \
	"an in-order SEND beyond SendAckId + window is refused"
is "$(digest)" "$d" "the refused in-order SEND wrote nothing"
done
done_testing
