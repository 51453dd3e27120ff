# t0305-cellsrv-aof-lock: with -A, cellsrv starts its Redis's AOF rewrites
# itself, one cell of the machine at a time. Two real redis-servers (their
# own trigger off, each rewrite slowed to about 2 s with rdb-key-save-delay)
# and two cellsrv sharing one lock file: while the test holds the lock, a
# rewrite that is due waits (and says so in /metrics); once it is let go,
# both cells rewrite, never both at once, and the lock is free again after.
# Also: a lock file that cannot be opened stops cellsrv at start.
. "$(dirname "$0")/helper/lib.sh"

A1=127.0.2.70 A2=127.0.2.71
LOCK=$T/aof.lock
printf 'h01 %s 1 1 4\nh02 %s 2 5 8\n' $A1 $A2 >"$T/inv"
R() { local a=$1; shift; redis-cli -h "$a" -p 7379 "$@"; }
info() { R "$1" INFO persistence | tr -d '\r' | sed -n "s/^$2://p"; }
metric() { curl -s "http://$1:9500/metrics" | sed -n "s/^$2 //p"; }
# until CMD... prints 1, for up to 10 s
until_1() {
	local i
	for i in $(seq 100); do
		[ "$("$@")" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

expect_fail 1 "^cellsrv: AOF rewrite lock $T/no/such/dir/aof.lock: No such file or directory\$" \
	"an AOF lock that cannot be opened: exit 1, naming the file and why" \
	cellsrv -i "$T/inv" -k 1 -A "$T/no/such/dir/aof.lock"

# 4,000 keys at 500 us each: a rewrite takes about 2 s.
for a in $A1 $A2; do
	start_redis $a 7379 --appendonly yes --auto-aof-rewrite-percentage 0 \
		--rdb-key-save-delay 500 || exit 1
done
for k in 1 2; do
	eval a=\$A$k
	cellsrv -i "$T/inv" -k $k -A "$LOCK" -M 1 2>"$T/cellsrv$k.log" 8>&- &
	track $!
done
for a in $A1 $A2; do
	until_1 eval "[ \"\$(curl -s http://$a:9500/healthz)\" = ok ] && echo 1"
	ok $? "cellsrv on $a up"
	is "$(metric $a cellsrv_aof_rewrites_started_total)" 0 "$a: no rewrite under 1 MB of AOF"
done

# The test takes the machine's lock; both AOFs grow past 1 MB.
exec 8>"$LOCK"
flock -n 8
ok $? "the test holds the lock"
for a in $A1 $A2; do
	R $a EVAL "for i = 1, 4000 do redis.call('SET', 'k:' .. i, string.rep('x', 300)) end" 0 >/dev/null
done
for a in $A1 $A2; do
	until_1 metric $a cellsrv_aof_rewrite_waiting
	ok $? "$a: a rewrite is due, and waits for the lock"
	is "$(info $a aof_rewrites)" 0 "$a: Redis has not rewritten"
	is "$(metric $a cellsrv_aof_rewrite_lock_held)" 0 "$a: the lock is not held"
done

# Let go: each cell rewrites once, one after the other.
flock -u 8
exec 8>&-
both=0 done=0
for i in $(seq 200); do
	p1=$(info $A1 aof_rewrite_in_progress) p2=$(info $A2 aof_rewrite_in_progress)
	[ "$p1$p2" = 11 ] && both=$((both + 1))
	if [ "$p1$p2" = 00 ] && [ "$(info $A1 aof_rewrites)$(info $A2 aof_rewrites)" = 11 ] &&
	   [ "$(metric $A1 cellsrv_aof_rewrite_lock_held)$(metric $A2 cellsrv_aof_rewrite_lock_held)" = 00 ]; then
		done=1
		break
	fi
	sleep 0.1
done
is "$done" 1 "lock let go: both cells rewrote their AOF, and let the lock go"
is "$both" 0 "never two rewrites at once"
for a in $A1 $A2; do
	is "$(metric $a cellsrv_aof_rewrites_started_total)" 1 "$a: one rewrite started by cellsrv"
	is "$(metric $a cellsrv_aof_rewrite_waiting)" 0 "$a: nothing waits"
	awk -v w="$(metric $a cellsrv_aof_rewrite_wait_seconds_total)" 'BEGIN { exit !(w >= 1) }'
	ok $? "$a: the seconds waited for the lock are counted"
	is "$(info $a aof_last_bgrewrite_status)" ok "$a: the rewrite went well"
	is "$(R $a DBSIZE)" 4000 "$a: the data is all there"
done
t1=$(grep -c 'AOF rewrite started' "$T/cellsrv1.log") t2=$(grep -c 'AOF rewrite done' "$T/cellsrv2.log")
is "$t1 $t2" "1 1" "each cellsrv logs its rewrite"
flock -n "$LOCK" true
ok $? "the lock is free again"

done_testing
