#!/usr/bin/env bash
# bench-report: make report's plots of a long run: a synthetic recording
# (tests/helper/stats-synth, every latency drawn one by one into cellsrv's
# buckets) of HOSTS=40 over SECS=7200 s at TICK=3 s, 500 messages/s a host,
# then stat-report drawing its 4 PNGs and the report's markdown, timed
# (wall, CPU of stat-report and gnuplot, peak RSS). Target: under 10 s.
# The PNGs are kept in KEEP= when given. Override with HOSTS= SECS= TICK= RATE=.
set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BIN:=$TOP/bin}"
HOSTS=${HOSTS:-40} SECS=${SECS:-7200} TICK=${TICK:-3} RATE=${RATE:-500}
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
S=$(mktemp -d "${TMPDIR:-/tmp}/bench-report.XXXXXX")
trap 'rm -rf "$S"' EXIT
trap 'exit 130' INT TERM

make -C "$TOP" --no-print-directory build/tests/stats-synth >/dev/null || exit 1
echo "bench-report: HOSTS=$HOSTS over $SECS s at $TICK s, $RATE msgs/s a host, $(nproc) cpus"
"$TOP/build/tests/stats-synth" -H "$HOSTS" -d "$SECS" -t "$TICK" -r "$RATE" >"$S/stats.tsv" || exit 1
echo "recording: $(grep -vc '^#' "$S/stats.tsv") lines, $(wc -c <"$S/stats.tsv") bytes"
echo "load before: $(uptime)"
mkdir -p "$S/out"
# CPU of stat-report and its gnuplot (a waited-for child), from bash's times
t0=$(date +%s.%N)
( "$BIN/stat-report" -o "$S/out" -t "$HOSTS hosts, synthetic" "$S/stats.tsv" >"$S/out/report.md"; rc=$?; times >"$S/times"; exit $rc ) ||
	{ echo "bench-report: stat-report failed"; exit 1; }
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "stat-report -o: %.2f s wall\n", b - a }'
sed -n 2p "$S/times" | awk '{ printf "  CPU of stat-report and gnuplot: %s user, %s system\n", $1, $2 }'
ls -l "$S"/out/*.png | awk '{ printf "  %s %d bytes\n", $NF, $5 }' | sed "s|$S/out/||"
t0=$(date +%s.%N)
"$BIN/stat-report" -L "$S/stats.tsv" >/dev/null
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "stat-report -L (reading alone): %.2f s\n", b - a }'
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$S"/out/* "$KEEP"/ && echo "kept in $KEEP"; fi
echo "load after:  $(uptime)"
