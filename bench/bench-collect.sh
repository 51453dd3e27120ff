#!/usr/bin/env bash
# bench-collect: what watching a 40-host run costs the control host:
# stat-collect scraping HOSTS=40 real cellsrvs (deployed with
# TRANSPORT=local on 127.0.12.x, USERS=4000, idle: a scrape costs the same
# whatever the load) every 3 s for SECS=600 s, its lines piped into
# stat-record as make run does. Prints each one's CPU (% of one core, from
# /proc/PID/stat) and peak RSS (VmHWM), the bytes recorded and how many
# lines were not "up". Target: stat-collect <= 2% of a core, <= 16 MB.
# Override with HOSTS= USERS= SECS= TICK=.
set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BIN:=$TOP/bin}"
HOSTS=${HOSTS:-40} USERS=${USERS:-4000} SECS=${SECS:-600} TICK=${TICK:-3}
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
S=$(mktemp -d "${TMPDIR:-/tmp}/bench-collect.XXXXXX")
pm() {
	make -C "$TOP" --no-print-directory NET=127.0.12 FIRST=1 TRANSPORT=local \
		HOSTS_DIR="$S/hosts" RESULTS="$S/results" RUN_DIR="$S/run" STATE="$S/state" "$@"
}
trap 'pm destroy >/dev/null 2>&1; rm -rf "$S"' EXIT
trap 'exit 130' INT TERM

echo "bench-collect: HOSTS=$HOSTS every $TICK s for $SECS s, $(nproc) cpus"
pm -j"$HOSTS" provision deploy HOSTS="$HOSTS" USERS="$USERS" MSGS=1 >"$S/deploy.out" 2>&1 ||
	{ echo "bench-collect: deploy failed:"; tail -n 5 "$S/deploy.out"; exit 1; }
echo "load before: $(uptime)"
"$BIN/stat-collect" -i "$S/hosts/inventory" -t "$TICK" -n $((SECS / TICK)) 2>"$S/collect.err" |
	"$BIN/stat-record" -o "$S/stats.tsv" &
REC=$!
sleep 0.5
COL=$(pgrep -f "^$BIN/stat-collect -i $S/hosts/inventory" | head -n 1)
[ -n "$COL" ] || { echo "bench-collect: stat-collect did not start: $(cat "$S/collect.err")"; exit 1; }
hz=$(getconf CLK_TCK)
# sample PID: "cpu_ticks hwm_kb" (utime+stime; peak RSS)
sample() {
	local stat hwm
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
	set -- ${stat##*) }
	echo "$(( ${12} + ${13} )) $hwm"
}
t0=$(date +%s.%N) last_c="0 0" last_r="0 0" t1=$t0
while kill -0 "$COL" 2>/dev/null; do
	c=$(sample "$COL") && r=$(sample "$REC") && last_c=$c last_r=$r t1=$(date +%s.%N)
	sleep 2
done
wait "$REC"
for w in "stat-collect:$last_c" "stat-record:$last_r"; do
	name=${w%%:*} v=${w#*:}
	awk -v n="$name" -v t="${v% *}" -v k="${v#* }" -v hz="$hz" -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%-13s cpu %.2f s in %.0f s = %.2f%% of a core, peak RSS %.1f MB\n", n, t / hz, b - a, 100 * t / hz / (b - a), k / 1024 }'
done
echo "recorded: $(grep -vc '^#' "$S/stats.tsv") lines ($(grep -v '^#' "$S/stats.tsv" | awk -F'\t' '$3 != "up"' | wc -l) not up), $(wc -c <"$S/stats.tsv") bytes; a line: $(grep -v '^#' "$S/stats.tsv" | awk '{ n += length($0) + 1 } END { printf "%.0f", n / NR }') bytes on average"
echo "load after:  $(uptime)"
