# bench-data: figures for the data tools (run by `make bench-data`).
#  1. gen-users -n 1000000 -c 40 (the seed's graph): seconds, lines/s, and the
#     ratio to `cat` of the same bytes from a file (the I/O limit).
#  2. One host's cell of it (cell 1: 25,000 users) into a fresh redis-server:
#     redis-bulkload (both pipelines) vs `redis-cli --pipe` fed the same
#     commands pre-converted to RESP (conversion not timed), alternating,
#     FLUSHALL between runs, best of $RUNS.
# Prints figures and the load average; asserts nothing. The machine is shared:
# re-run it on a quiet machine for numbers to quote.
. "$TOP/tests/lib.sh"
RUNS=${RUNS:-3}
A=127.0.1.210
P=7379

best() { sort -n | head -1; }
# secs CMD...: wall seconds of CMD (stdout and stderr to $T/run.out)
secs() {
	local s=$EPOCHREALTIME
	"$@" >"$T/run.out" 2>&1 || { echo "bench: failed: $*" >&2; cat "$T/run.out" >&2; exit 1; }
	awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }'
}

echo "# bench-data on $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# load before: $(uptime)"

# 1. gen-users, the seed's million users.
"$BIN/gen-users" -n 1000000 -c 40 >"$T/graph"
lines=$(wc -l <"$T/graph")
bytes=$(wc -c <"$T/graph")
: >"$T/g"; : >"$T/c"
for i in $(seq "$RUNS"); do
	s=$EPOCHREALTIME; "$BIN/gen-users" -n 1000000 -c 40 >/dev/null; e=$EPOCHREALTIME
	awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", b - a }' >>"$T/g"
	s=$EPOCHREALTIME; cat "$T/graph" >/dev/null; e=$EPOCHREALTIME
	awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", b - a }' >>"$T/c"
done
g=$(best <"$T/g"); c=$(best <"$T/c")
echo "gen-users -n 1000000 -c 40 >/dev/null: lines=$lines bytes=$bytes seconds=$g (best of $RUNS: $(tr '\n' ' ' <"$T/g"))"
awk -v l="$lines" -v g="$g" -v c="$c" 'BEGIN {
	printf "gen-users: %.1f M lines/s; cat of the same %s bytes from a file: %.3f s; gen-users/cat time ratio %.1f (target: gen-users under 10 s)\n",
	    l / g / 1e6, "'"$bytes"'", c, g / c }'
s=$EPOCHREALTIME; "$BIN/gen-users" -n 1000000 -c 40 -k 1 >"$T/cell1"; e=$EPOCHREALTIME
awk -v a="$s" -v b="$e" -v l="$(wc -l <"$T/cell1")" 'BEGIN { printf "gen-users -n 1000000 -c 40 -k 1: lines=%d seconds=%.3f\n", l, b - a }'

# 2. One cell into a fresh redis-server.
start_redis $A $P || exit 1
rcli() { redis-cli -h $A -p $P "$@"; }
# The same commands redis-bulkload sends: HSET u:U (4 counters) and SADD f:U.
awk -F'\t' '
function flush(   i) {
	if (u == "") return
	printf "*10\r\n$4\r\nHSET\r\n$%d\r\nu:%s\r\n$6\r\nSendId\r\n$1\r\n0\r\n$9\r\nSendAckId\r\n$1\r\n0\r\n$9\r\nReceiveId\r\n$1\r\n0\r\n$15\r\nClientReceiveId\r\n$1\r\n0\r\n", length(u) + 2, u
	printf "*%d\r\n$4\r\nSADD\r\n$%d\r\nf:%s\r\n", n + 2, length(u) + 2, u
	for (i = 1; i <= n; i++) printf "$%d\r\n%s\r\n", length(f[i]), f[i]
}
$1 != u { flush(); u = $1; n = 0 }
{ f[++n] = $2 }
END { flush() }' "$T/cell1" >"$T/cell1.resp"
users=$(cut -f1 "$T/cell1" | uniq | wc -l)
rels=$(wc -l <"$T/cell1")
echo "# cell 1: users=$users relations=$rels; RESP for redis-cli --pipe: $(wc -c <"$T/cell1.resp") bytes"
: >"$T/pipe"; : >"$T/resp"; : >"$T/hiredis"
for i in $(seq "$RUNS"); do
	rcli FLUSHALL >/dev/null
	secs redis-cli -h $A -p $P --pipe <"$T/cell1.resp" >>"$T/pipe"
	grep -q 'errors: 0, replies: 50000' "$T/run.out" || { echo "bench: redis-cli --pipe: $(cat "$T/run.out")" >&2; exit 1; }
	rcli FLUSHALL >/dev/null
	secs "$BIN/redis-bulkload" -h $A -p $P -v <"$T/cell1" >>"$T/resp"
	echo "#   resp:    $(tr '\n' ' ' <"$T/run.out")"
	rcli FLUSHALL >/dev/null
	secs "$BIN/redis-bulkload" -h $A -p $P -v -m hiredis <"$T/cell1" >>"$T/hiredis"
	echo "#   hiredis: $(tr '\n' ' ' <"$T/run.out")"
done
p=$(best <"$T/pipe"); r=$(best <"$T/resp"); h=$(best <"$T/hiredis")
echo "redis-cli --pipe (pre-converted RESP): seconds=$p (runs: $(tr '\n' ' ' <"$T/pipe"))"
echo "redis-bulkload -m resp (default):      seconds=$r (runs: $(tr '\n' ' ' <"$T/resp"))"
echo "redis-bulkload -m hiredis:             seconds=$h (runs: $(tr '\n' ' ' <"$T/hiredis"))"
awk -v p="$p" -v r="$r" -v h="$h" 'BEGIN {
	printf "ratio redis-cli --pipe time / redis-bulkload time: resp %.2f, hiredis %.2f (target >= 1.0; bulkload also parses text and reads back)\n", p / r, p / h
	printf "one cell loaded in %.3f s (target < 5 s)\n", r }'
echo "# load after: $(uptime)"
