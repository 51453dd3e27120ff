# t0120-redis-bulkload: round trip through a real redis-server (read back with
# redis-cli), both pipelines, re-runs, other data, -f, bad input (nothing
# written, no summary), unreachable or failing Redis, usage.
. "$(dirname "$0")/helper/lib.sh"

G=$BIN/gen-users
B=$BIN/redis-bulkload
A=127.0.1.200
start_own_redis $A 7379 || exit 1
P=$REDIS_PORT
rcli() { redis-cli -h $A -p $P "$@"; }

# dump: every relation Redis holds, as sorted "uid<TAB>fid" lines, read with
# redis-cli (a Lua script walks the f:* sets).
dump() {
	rcli --raw EVAL "local o = {} for _, k in ipairs(redis.call('KEYS', 'f:*')) do
		for _, m in ipairs(redis.call('SMEMBERS', k)) do o[#o + 1] = string.sub(k, 3) .. '\t' .. m end end
		return o" 0 | sort -k1,1n -k2,2n
}
# counters: "N users, fields F, values V" over every u:* hash
counters() {
	rcli --raw EVAL "local n, f, v = 0, {}, {} for _, k in ipairs(redis.call('KEYS', 'u:*')) do
		n = n + 1 local h = redis.call('HGETALL', k)
		for i = 1, #h, 2 do f[h[i]] = (f[h[i]] or 0) + 1 v[h[i + 1]] = 1 end end
		local fs, vs = {}, {} for k in pairs(f) do fs[#fs + 1] = k .. '=' .. f[k] end
		for k in pairs(v) do vs[#vs + 1] = k end table.sort(fs) table.sort(vs)
		return n .. ' users, fields ' .. table.concat(fs, ',') .. ', values ' .. table.concat(vs, ',')" 0
}
# summary_ok USERS RELATIONS: $T/out is exactly one correct summary line
summary_ok() {
	[ "$(wc -l <"$T/out")" -eq 1 ] && grep -Eq "^users=$1 relations=$2 seconds=[0-9]+\.[0-9]{3}$" "$T/out"
}

# The cell of host 2 of a 4000-user, 4-cell graph.
$G -n 4000 -c 4 -k 2 >"$T/c2"
R=$(wc -l <"$T/c2")
sort -k1,1n -k2,2n "$T/c2" >"$T/c2.sorted"

run $B -h $A -p $P <"$T/c2"
is "$rc" 0 "bulkload of one cell exits 0"
summary_ok 1000 "$R"; ok $? "summary: users=1000 relations=$R seconds=T ($(cat "$T/out"))"
dump >"$T/dump"
cmp -s "$T/dump" "$T/c2.sorted"; ok $? "redis-cli reads back exactly the input relations"
is "$(counters)" "1000 users, fields ClientReceiveId=1000,Parked=1000,ReceiveId=1000,SendAckId=1000,SendId=1000, values 0" \
	"every user has the five counters at 0"
is "$(rcli DBSIZE)" 2000 "nothing but u:U and f:U keys"

# Every pipeline (-m) and write command set (-w) writes the same.
for mw in "resp sadd" "hiredis restore" "hiredis sadd"; do
	set -- $mw
	rcli FLUSHALL >/dev/null
	run $B -h $A -p $P -m $1 -w $2 <"$T/c2"
	summary_ok 1000 "$R"; ok $? "-m $1 -w $2 exits 0 and prints the summary"
	dump | cmp -s - "$T/c2.sorted"; ok $? "-m $1 -w $2: redis-cli reads back exactly the input"
	is "$(counters)" "1000 users, fields ClientReceiveId=1000,Parked=1000,ReceiveId=1000,SendAckId=1000,SendId=1000, values 0" \
		"-m $1 -w $2: every user has the five counters at 0"
done
# Friend ids above 32767 (32-bit intsets) and sets of 549 members (stored as
# hash tables by Redis: more than 512), with RESTORE payloads.
for args in "-n 40000 -c 4 -k 4" "-n 1100 -c 2 -s 600 -x 0 -k 2"; do
	$G $args >"$T/in"
	rcli FLUSHALL >/dev/null
	run $B -h $A -p $P <"$T/in"
	summary_ok "$(cut -f1 "$T/in" | uniq | wc -l)" "$(wc -l <"$T/in")"; ok $? "gen-users $args: loaded"
	dump | cmp -s - "$T/in"; ok $? "gen-users $args: redis-cli reads back exactly the input"
done
is "$(rcli OBJECT ENCODING f:551)" hashtable "(a 549-member set is a hash table in Redis)"
rcli FLUSHALL >/dev/null
$B -h $A -p $P <"$T/c2" >/dev/null

# Loading the same cell again is safe: same state, and counters of a cell in
# use are never reset.
rcli HSET u:1500 SendId 7 >/dev/null
run $B -h $A -p $P <"$T/c2"
is "$rc" 0 "loading the same cell twice exits 0"
summary_ok 1000 "$R"; ok $? "second load prints the summary"
dump | cmp -s - "$T/c2.sorted"; ok $? "second load: same relations"
is "$(rcli HGET u:1500 SendId)" 7 "second load leaves a counter already in use alone"
is "$(rcli DBSIZE)" 2000 "second load adds no key"

# Input in any order loads the same.
rcli FLUSHALL >/dev/null
sort -k2,2n -k1,1n "$T/c2" >"$T/shuf"   # ordered by fid: uids all over the place
cmp -s "$T/shuf" "$T/c2"; ok "$((! $?))" "(reordered input differs from the sorted one)"
run $B -h $A -p $P <"$T/shuf"
summary_ok 1000 "$R"; ok $? "reordered input: summary"
dump | cmp -s - "$T/c2.sorted"; ok $? "reordered input: same relations"

# A database holding another graph: refused before anything is written
# (exit 1, no summary, the database as it was); -f flushes it first and loads.
$G -n 4000 -c 4 -k 2 -S 99 >"$T/other"
rcli HSET u:1500 SendId 7 >/dev/null
run $B -h $A -p $P <"$T/other"
is "$rc" 1 "loading another graph over a loaded cell fails"
grep -q 'holds other data' "$T/err"; ok $? "... saying the database holds other data"
is "$(wc -c <"$T/out")" 0 "... and prints no summary"
dump | cmp -s - "$T/c2.sorted"; ok $? "... and adds no friend of the other graph to the sets"
is "$(rcli DBSIZE) $(rcli HGET u:1500 SendId)" "2000 7" "... nor any key, and leaves the counters alone"
for m in resp hiredis; do
	rcli SET u:1999 x >/dev/null; rcli DEL f:1002 >/dev/null
	run $B -h $A -p $P -m $m <"$T/c2"
	is "$rc|$(wc -c <"$T/out")|$(rcli EXISTS f:1002)" "1|0|0" \
		"-m $m: a user record of another type: exit 1, no summary, nothing written"
	grep -q 'u:1999 is a string, not a hash' "$T/err"; ok $? "... naming the key ($(head -c 150 "$T/err"))"
done
rcli DEL u:1999 >/dev/null
run $B -h $A -p $P <"$T/c2"
dump | cmp -s - "$T/c2.sorted"; ok $? "once that key is gone, a re-run adds the missing friend set"
run $B -f -h $A -p $P <"$T/other"
summary_ok 1000 "$(wc -l <"$T/other")"; ok $? "-f flushes and loads the other graph"
dump | cmp -s - <(sort -k1,1n -k2,2n "$T/other"); ok $? "-f: exactly the other graph"

# Bad input: "redis-bulkload: <stdin>:LINE: what", exit 1, no summary, and
# nothing written (the input is validated before the first write).
rcli FLUSHALL >/dev/null
bad() {
	printf -- "$3" >"$T/in"
	run $B -h $A -p $P <"$T/in"
	if [ "$rc" -eq 1 ] && grep -Eq -- "^redis-bulkload: <stdin>:$2" "$T/err" &&
	   [ ! -s "$T/out" ] && [ "$(rcli DBSIZE)" = 0 ]; then ok 0 "bad input: $1"
	else ok 1 "bad input: $1"; diag "status $rc; stderr: $(head -c 300 "$T/err"); stdout: $(head -c 100 "$T/out"); dbsize $(rcli DBSIZE)"; fi
}
bad "non-numeric fid"        '2: field 2 is not a number: "x"'  '1\t2\n2\tx\n'
bad "non-numeric uid"        '1: field 1 is not a number'        'one\t2\n'
bad "missing tab"            '2: no tab'                          '1\t2\n2 1\n'
bad "id 0"                   '1: fid 0 out of range'              '1\t0\n'
bad "id too large"           '1: uid 1000000001 out of range'     '1000000001\t1\n'
bad "self-friendship"        '3: user 3 is its own friend'        '1\t2\n2\t1\n3\t3\n'
bad "duplicate line"         '3: duplicate relation 1.2 \(also line 2\)' '1\t3\n1\t2\n1\t2\n'
bad "duplicate, unsorted"    '4: duplicate relation 1.2 \(also line 1\)' '1\t2\n5\t1\n2\t1\n1\t2\n'
bad "empty line"             '2: no tab'                          '1\t2\n\n'
bad "NUL byte"               '1: NUL byte'                        '1\t2\0002\n'
{ printf '1\t2\n'; head -c 1048576 /dev/zero | tr '\0' 1; printf '\t2\n'; } >"$T/big"
run $B -h $A -p $P <"$T/big"
is "$rc|$(grep -c '^redis-bulkload: <stdin>:2: line longer than 64 bytes' "$T/err")|$(wc -c <"$T/out")|$(rcli DBSIZE)" \
	"1|1|0|0" "bad input: a 1 MB line (exit 1, message, no summary, nothing written)"
run $B -h $A -p $P </dev/null
is "$rc|$(grep -c '^redis-bulkload: <stdin>: no relation lines' "$T/err")|$(wc -c <"$T/out")" "1|1|0" \
	"empty input: exit 1, message, no summary"
# A bad line at the very end of a whole cell: nothing loaded, no summary.
{ cat "$T/c2"; printf '1001\tabc\n'; } >"$T/in"
run $B -h $A -p $P <"$T/in"
is "$rc|$(grep -c "^redis-bulkload: <stdin>:$((R + 1)): field 2 is not a number" "$T/err")|$(wc -c <"$T/out")|$(rcli DBSIZE)" \
	"1|1|0|0" "bad last line after a whole cell: exit 1, no summary, nothing written"

# Redis unreachable: exit 1, clear message, no summary.
run $B -h $A -p 1 <"$T/c2"
is "$rc|$(wc -c <"$T/out")" "1|0" "no Redis listening: exit 1, no summary"
grep -q "cannot connect to Redis at $A:1:" "$T/err"; ok $? "... with a message naming the address ($(cat "$T/err"))"

# Redis refusing writes (maxmemory reached): the error reply stops the load.
start_own_redis $A 7380 --maxmemory 2mb --maxmemory-policy noeviction || exit 1
P2=$REDIS_PORT
$G -n 40000 -c 1 -s 20 >"$T/big1"
run $B -h $A -p $P2 <"$T/big1"
is "$rc|$(wc -c <"$T/out")" "1|0" "an error reply (out of memory) gives exit 1 and no summary"
grep -q 'OOM' "$T/err"; ok $? "... and passes Redis' error on ($(head -c 120 "$T/err"))"
# The same with the hiredis pipeline.
redis-cli -h $A -p $P2 FLUSHALL >/dev/null
run $B -h $A -p $P2 -m hiredis <"$T/big1"
is "$rc|$(wc -c <"$T/out")" "1|0" "-m hiredis: an error reply gives exit 1 and no summary"

# A read back that does not match what was sent is caught: a friend set with
# a member the input does not have.
rcli FLUSHALL >/dev/null
$B -h $A -p $P <"$T/c2" >/dev/null
rcli SADD f:1001 3999 >/dev/null
run $B -h $A -p $P <"$T/c2"
is "$rc|$(wc -c <"$T/out")" "1|0" "a friend set with an extra member fails the read back, no summary"
grep -q 'f:1001 holds' "$T/err"; ok $? "... naming the key ($(head -c 150 "$T/err"))"

# Usage errors exit 2; --help prints the usage; -h takes an address.
expect_fail 2 '-p: must be a number' "-p 0" $B -p 0
expect_fail 2 '-p: must be a number' "-p 70000" $B -p 70000
expect_fail 2 'must be resp or hiredis' "-m other" $B -m other
expect_fail 2 'must be restore or sadd' "-w other" $B -w other
expect_fail 2 'usage: redis-bulkload' "extra argument" $B file
expect_fail 2 'usage: redis-bulkload' "-h without an address" $B -h
expect_fail 2 'usage: redis-bulkload' "unknown option" $B -q
run $B --help
is "$rc $(grep -c '^usage: redis-bulkload' "$T/out")" "0 1" "--help prints the usage on stdout and exits 0"
expect_fail 1 'cannot connect to Redis at 127.0.1.219:1:' "-h ADDR is the Redis address" \
	sh -c "printf '1\t2\n2\t1\n' | $B -h 127.0.1.219 -p 1"

# The whole path: gen-users -k | rg-split -k | redis-bulkload into a fresh DB.
rcli FLUSHALL >/dev/null
run sh -c "$G -n 4000 -c 4 | $BIN/rg-split -n 4000 -c 4 -k 2 | $B -h $A -p $P"
summary_ok 1000 "$R"; ok $? "gen-users | rg-split -k 2 | redis-bulkload loads the cell"
dump | cmp -s - "$T/c2.sorted"; ok $? "... and Redis holds exactly gen-users -k 2"

done_testing
