# t0400-checkdb: checkdb against a real redis-server holding hand-made cell
# states written with redis-cli in the layout of src/lib/keys.h: a complete
# run, then one fault at a time (lost, duplicated, out of order, corrupt,
# foreign sender, counters off, parked leftovers, missing user, bad outbox).
# Each fault must fail the check, name the user and count it in its field.
. "$(dirname "$0")/helper/lib.sh"

A=127.0.3.1
start_redis $A 7379 || exit 1
R() { redis-cli -h $A -p 7379 "$@" >/dev/null; }
printf 'h01 %s 1 1 4\nh02 127.0.3.2 2 5 5\n' $A >"$T/inv"
MSGS=2
# friends of users 1..5 (symmetric; 5 lives in cell 2)
FR=(x "2 3 5" "1 3" "1 2 4" "3" "1")

# fill: a complete state of cell 1. Inbox of U: for j, for each friend F:
# "F j K F-U-j" (K = F's message id, any positive number here).
fill() {
	local u f j n
	{
		echo FLUSHALL
		for u in 1 2 3 4; do
			n=0
			for f in ${FR[$u]}; do n=$((n + MSGS)); done
			echo "HSET u:$u SendId $n SendAckId $n ReceiveId $n ClientReceiveId 0 Parked 0"
			echo "SADD f:$u ${FR[$u]}"
			for j in $(seq $MSGS); do
				for f in ${FR[$u]}; do
					echo "RPUSH o:$u \"$f $j $u-$f-$j\""
					echo "RPUSH i:$u \"$f $j $((j * 10 + f)) $f-$u-$j\""
					echo "HSET u:$u >$f $j <$f $j"
				done
			done
		done
	} | redis-cli -h $A -p 7379 >/dev/null
}
# field NAME: the value of NAME= in the summary line of the last run.
field() { tail -n 1 "$T/out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
check() { run checkdb -i "$T/inv" -k 1 -m $MSGS; }

fill
check
is "$rc" 0 "complete state: exit 0"
is "$(wc -l <"$T/out")" 1 "complete state: only the summary line"
is "$(tail -n 1 "$T/out" | sed 's/ seconds=.*//')" \
	"users=4 relations=9 expected=18 sent=18 acked=18 received=18 lost=0 duplicated=0 disordered=0 corrupt=0 incomplete=0 outbox_bad=0 parked=0 failed=0" \
	"complete state: summary"

# lost: user 3 misses 2-3-1 (its counter says so too).
fill; R LREM i:3 1 "2 1 12 2-3-1"; R HINCRBY u:3 ReceiveId -1
check
is "$rc" 1 "lost: exit 1"
is "$(field lost)/$(field duplicated)/$(field disordered)/$(field failed)" 1/0/0/1 "lost: lost=1, nothing else"
grep -q '^user 3: .*lost 1 from 2 (first 2-3-1)' "$T/out"; ok $? "lost: names user 3 and the message"
is "$(field received)" 17 "lost: received=17"

# lost without counter damage: an entry replaced by a copy of another.
fill; R LSET i:4 1 "3 1 13 3-4-1"
check
is "$(field lost)/$(field duplicated)/$(field incomplete)" 1/1/0 "lost+duplicated with counters intact"

# duplicated: user 2 has 1-2-2 twice.
fill; R RPUSH i:2 "1 2 21 1-2-2"; R HINCRBY u:2 ReceiveId 1
check
is "$rc" 1 "duplicated: exit 1"
is "$(field duplicated)/$(field lost)/$(field disordered)" 1/0/0 "duplicated: duplicated=1 only"
grep -q '^user 2: .*duplicated 1-2-2' "$T/out"; ok $? "duplicated: names user 2 and the message"

# out of order: user 1 gets 3-1-2 before 3-1-1 (positions 1 and 4 swapped).
fill
e1=$(redis-cli -h $A -p 7379 LINDEX i:1 1); e4=$(redis-cli -h $A -p 7379 LINDEX i:1 4)
is "$e1 / $e4" "3 1 13 3-1-1 / 3 2 23 3-1-2" "out of order: the entries to swap"
R LSET i:1 1 "$e4"; R LSET i:1 4 "$e1"
check
is "$rc" 1 "out of order: exit 1"
is "$(field disordered)/$(field lost)/$(field duplicated)" 1/0/0 "out of order: disordered=1 only"
grep -q '^user 1: .*disordered 3-1-1 after 3-1-2' "$T/out"; ok $? "out of order: names user 1 and the message"

# corrupt entry: not "F SEQ K BODY".
fill; R LSET i:2 0 "garbage"
check
is "$rc" 1 "corrupt entry: exit 1"
is "$(field corrupt)/$(field lost)" 1/1 "corrupt entry: corrupt=1 (and its message lost)"
grep -q '^user 2: entry 1 corrupt: "garbage"' "$T/out"; ok $? "corrupt entry: names user 2 and the entry"

# body addressed to someone else / seq not matching j.
fill; R LSET i:3 0 "1 1 11 1-4-1"
check
is "$(field corrupt)/$rc" 1/1 "body addressed to another user is corrupt"
fill; R LSET i:3 0 "1 2 11 1-3-1"
check
is "$(field corrupt)/$rc" 1/1 "pair sequence not matching j is corrupt"
fill; R LSET i:3 0 "1 1 11 1-3-3"
check
is "$(field corrupt)/$rc" 1/1 "j above MSGS is corrupt"

# from a non-friend.
fill; R RPUSH i:4 "1 1 11 1-4-1"; R HINCRBY u:4 ReceiveId 1
check
is "$rc" 1 "foreign sender: exit 1"
grep -q '^user 4: .*entry 3 from 1, not a friend' "$T/out"; ok $? "foreign sender: named"

# counters that disagree, each alone.
for c in "SendId 5" "SendAckId 5" "ReceiveId 5"; do
	fill; R HSET u:3 $c
	check
	is "$rc/$(field incomplete)/$(field failed)" 1/1/1 "counter mismatch ($c): exit 1, incomplete=1"
	grep -q '^user 3: SendId' "$T/out"; ok $? "counter mismatch ($c): user 3 named"
done
fill; R HSET u:1 SendAckId x
check
is "$rc/$(field incomplete)" 1/1 "non-numeric counter: incomplete"
# outbox shorter than SendId.
fill; R RPOP o:4
check
is "$rc/$(field incomplete)" 1/1 "outbox shorter than SendId: incomplete"

# outbox content: a message to a friend out of order.
fill; R LSET o:4 0 "3 2 4-3-2"
check
is "$rc/$(field outbox_bad)" 1/2 "outbox out of order: both entries bad"
grep -q '^user 4: outbox: 2 bad entries (first: message 1)' "$T/out"; ok $? "bad outbox entry: named"

# parked leftovers.
fill; R HSET pd:2 "1:3" "5 1-2-3"
check
is "$rc/$(field parked)/$(field failed)" 1/1/1 "parked DLV left: parked=1"
grep -q '^user 2: 1 parked keys left' "$T/out"; ok $? "parked: user 2 named"

# missing user record.
fill; R DEL u:2
check
is "$rc/$(field incomplete)" 1/1 "missing user record: incomplete"
grep -q '^user 2: no user record' "$T/out"; ok $? "missing user record: named"

# wrong key type.
fill; R DEL i:1; R SET i:1 x
check
is "$rc/$(field failed)" 1/1 "wrong key type: failed=1"
grep -q '^user 1: redis: WRONGTYPE' "$T/out"; ok $? "wrong key type: named"

# an untouched cell: nothing sent at all.
fill; R DEL o:1 o:2 o:3 o:4 i:1 i:2 i:3 i:4
for u in 1 2 3 4; do R HSET u:$u SendId 0 SendAckId 0 ReceiveId 0; done
check
is "$rc/$(field lost)/$(field failed)/$(field sent)" 1/18/4/0 "fresh load: everything lost"

# batch size does not change the result
fill; R LSET i:2 0 "garbage"
run checkdb -i "$T/inv" -k 1 -m $MSGS -b 1
is "$(field corrupt)/$(field users)/$rc" 1/4/1 "-b 1 gives the same result"

# usage and runtime errors
expect_fail 2 '^usage: checkdb' "no arguments: usage, exit 2" checkdb
run checkdb -h
is "$rc $(grep -c '^usage: checkdb' "$T/out")" "0 1" "-h: usage on stdout, exit 0"
expect_fail 2 'checkdb: -m: must be a number' "-m 0: exit 2" checkdb -i "$T/inv" -k 1 -m 0
expect_fail 1 'checkdb: .*inv: no cell 3' "unknown cell: exit 1" checkdb -i "$T/inv" -k 3
expect_fail 1 'checkdb: redis 127.0.3.1:7380: ' "redis down: exit 1" checkdb -i "$T/inv" -k 1 -r 7380
echo "h01 $A one 1 4" >"$T/bad"
expect_fail 1 "checkdb: $T/bad:1: cell is not a number" "bad inventory: exit 1 naming the line" \
	checkdb -i "$T/bad" -k 1
# An address that is no IPv4 address is refused by every tool with the line
# (msgclient used to retry it for ever, cellsrv named no line).
printf 'h01 %s 1 1 4\nh02 127.0.3.999 2 5 5\n' $A >"$T/bad"
for tool in checkdb msgclient cellsrv; do
	expect_fail 1 "$tool: $T/bad:2: addr is not an IPv4 address: \"127.0.3.999\"" \
		"$tool: inventory address not IPv4: exit 1 naming the line" timeout 10 $tool -i "$T/bad" -k 1
done
printf 'h01 %s 1 1 4 i-1 1.2.3.4 x y z\n' $A >"$T/bad"
expect_fail 1 "checkdb: $T/bad:1: want 5 or 7 fields .*, got 10" "10 fields: counted right" \
	checkdb -i "$T/bad" -k 1
done_testing
