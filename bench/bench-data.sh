# bench-data: figures for the data tools (run by `make bench-data`).
#  1. gen-users -n 1000000 -c 40 (the seed's graph): seconds, lines/s, and the
#     ratio to `cat` of the same bytes from a file (the I/O limit).
#  2. One host's cell of it (cell 1: 25,000 users) into a fresh redis-server:
#     redis-bulkload (both pipelines) vs `redis-cli --pipe` fed the same
#     commands pre-converted to RESP (conversion not timed), alternating,
#     FLUSHALL between runs, best of $RUNS.
# Prints figures and the load average; asserts nothing. The machine is shared:
# re-run it on a quiet machine for numbers to quote.
. "$TOP/tests/helper/lib.sh"
RUNS=${RUNS:-3}
A=127.0.1.210
P=7379

best() { sort -n | head -1 | cut -d' ' -f1; }
# secs CMD...: wall seconds of CMD (stdout and stderr to $T/run.out); the
# CPU seconds (user+sys, of CMD and its children) go to $T/cpu.last too:
# unlike wall time they hardly change with the machine's load.
secs() {
	local s=$EPOCHREALTIME TIMEFORMAT='%3U %3S' rc=0
	{ time "$@" >"$T/run.out" 2>&1 || rc=$?; } 2>"$T/time.out"
	[ "$rc" -eq 0 ] || { echo "bench: failed: $*" >&2; cat "$T/run.out" >&2; exit 1; }
	awk '{ printf "%.3f\n", $1 + $2 }' "$T/time.out" >"$T/cpu.last"
	awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }'
}
# secs_cpu CMD...: "wall cpu" of CMD
secs_cpu() { local w; w=$(secs "$@"); echo "$w $(cat "$T/cpu.last")"; }

echo "# bench-data on $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# load before: $(uptime)"

# 1. gen-users, the seed's million users: to /dev/null and through a pipe,
# against cat of the same bytes from a file (page cache) the same two ways.
"$BIN/gen-users" -n 1000000 -c 40 >"$T/graph"
lines=$(wc -l <"$T/graph")
bytes=$(wc -c <"$T/graph")
: >"$T/g"; : >"$T/c"; : >"$T/gp"; : >"$T/cp"
for i in $(seq "$RUNS"); do
	secs_cpu sh -c "'$BIN/gen-users' -n 1000000 -c 40 >/dev/null" >>"$T/g"
	secs sh -c "cat '$T/graph' >/dev/null" >>"$T/c"
	secs sh -c "'$BIN/gen-users' -n 1000000 -c 40 | wc -c >/dev/null" >>"$T/gp"
	secs sh -c "cat '$T/graph' | wc -c >/dev/null" >>"$T/cp"
done
g=$(best <"$T/g"); c=$(best <"$T/c"); gp=$(best <"$T/gp"); cp=$(best <"$T/cp")
gcpu=$(sort -n -k2 "$T/g" | head -1 | cut -d' ' -f2)
echo "gen-users -n 1000000 -c 40: lines=$lines bytes=$bytes (target: under 10 s)"
awk -v l="$lines" -v g="$g" -v c="$c" -v gp="$gp" -v cp="$cp" 'BEGIN {
	printf "  >/dev/null: %.3f s, %.1f M lines/s; cat FILE >/dev/null: %.3f s; time ratio gen-users/cat %.1f\n", g, l / g / 1e6, c, g / c
	printf "  | wc -c:     %.3f s, %.1f M lines/s; cat FILE | wc -c:     %.3f s; time ratio gen-users/cat %.1f\n", gp, l / gp / 1e6, cp, gp / cp }'
echo "  runs >/dev/null: $(cut -d' ' -f1 "$T/g" | tr '\n' ' ')| pipe: $(tr '\n' ' ' <"$T/gp")"
echo "  CPU (user+sys) of gen-users >/dev/null, least of $RUNS: $gcpu s (hardly depends on the load)"
s=$(secs "$BIN/gen-users" -n 1000000 -c 40 -k 1)
"$BIN/gen-users" -n 1000000 -c 40 -k 1 >"$T/cell1"
echo "gen-users -n 1000000 -c 40 -k 1 (one host's cell): lines=$(wc -l <"$T/cell1") seconds=$s"

# 2. One cell into a fresh redis-server.
start_own_redis $A $P || exit 1
P=$REDIS_PORT
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
# rcpu: CPU seconds redis-server has used so far (INFO cpu, main thread)
rcpu() { rcli INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys)_main_thread:/ { s += $2 } END { printf "%.3f", s }'; }
# load NAME CMD...: one timed load into the flushed database; appends
# "wall redis-cpu client-cpu" to $T/NAME
load() {
	local name=$1 w c0 c1; shift
	rcli FLUSHALL >/dev/null
	c0=$(rcpu); w=$(secs "$@"); c1=$(rcpu)
	echo "$w $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }') $(cat "$T/cpu.last")" >>"$T/$name"
}
modes="resp:restore resp:sadd hiredis:restore hiredis:sadd"
: >"$T/pipe"; for m in $modes; do : >"$T/$m"; done
for i in $(seq "$RUNS"); do
	load pipe redis-cli -h $A -p $P --pipe <"$T/cell1.resp"
	grep -q "errors: 0, replies: $((2 * users))" "$T/run.out" || { echo "bench: redis-cli --pipe: $(cat "$T/run.out")" >&2; exit 1; }
	for m in $modes; do
		load "$m" "$BIN/redis-bulkload" -h $A -p $P -v -m "${m%:*}" -w "${m#*:}" <"$T/cell1"
		grep -q "^users=$users relations=$rels " "$T/run.out" || { echo "bench: redis-bulkload: $(cat "$T/run.out")" >&2; exit 1; }
		echo "#   $(grep '^redis-bulkload:' "$T/run.out")"
	done
done
# figures NAME: "wall=best rcpu=least ccpu=least runs"
figures() {
	awk '{ if (NR == 1 || $1 < w) w = $1; if (NR == 1 || $2 < r) r = $2; if (NR == 1 || $3 < c) c = $3; runs = runs $1 " " }
	    END { printf "%.3f %.3f %.3f %s", w, r, c, runs }' "$T/$1"
}
set -- $(figures pipe); p=$1
echo "                                        best s  ratio  redis-server CPU s  client CPU s  (runs, s)"
printf "redis-cli --pipe (HSET+SADD as RESP)  %7.3f   1.00  %18.3f  %12.3f  (%s)\n" "$1" "$2" "$3" "$(figures pipe | cut -d' ' -f4-)"
for m in $modes; do
	set -- $(figures "$m")
	awk -v m="-m ${m%:*} -w ${m#*:}" -v p="$p" -v b="$1" -v r="$2" -v c="$3" -v runs="$(figures "$m" | cut -d' ' -f4-)" 'BEGIN {
		printf "redis-bulkload %-22s  %7.3f  %5.2f  %18.3f  %12.3f  (%s)\n", m, b, p / b, r, c, runs }'
done
# The whole per-host deploy step, both ways (DESIGN.md's pipe and the -k shortcut).
rcli FLUSHALL >/dev/null
s=$(secs sh -c "'$BIN/gen-users' -n 1000000 -c 40 | '$BIN/rg-split' -n 1000000 -c 40 -k 1 | '$BIN/redis-bulkload' -h $A -p $P")
echo "gen-users -n 1000000 -c 40 | rg-split -k 1 | redis-bulkload: seconds=$s ($(cat "$T/run.out"))"
rcli FLUSHALL >/dev/null
s=$(secs sh -c "'$BIN/gen-users' -n 1000000 -c 40 -k 1 | '$BIN/redis-bulkload' -h $A -p $P")
echo "gen-users -n 1000000 -c 40 -k 1 | redis-bulkload:            seconds=$s ($(cat "$T/run.out"))"
echo "ratio = redis-cli --pipe seconds / redis-bulkload seconds (target >= 1.0; bulkload also parses the text and reads every user back); target < 5 s"
echo "# load after: $(uptime)"
