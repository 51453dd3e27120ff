# t0720-stat-report: a synthetic recording (stats-synth: every latency drawn
# one by one into cellsrv's buckets) gives valid PNGs and a report with the
# whole run's percentiles, a row per host and the events; each percentile
# read from the merged buckets brackets the exact value of the latencies
# drawn, within the stated bucket bounds (at most 28% apart); no series has
# more than -m points; SLO thresholds hold or break with the right status;
# bad input is named by its line. Needs gnuplot, no server.
. "$(dirname "$0")/helper/lib.sh"
SYNTH=$BUILD/tests/stats-synth

"$SYNTH" -H 8 -d 900 -t 3 -r 200 -e "$T/exact" >"$T/s.tsv"
mkdir -p "$T/out.d"
run stat-report -o "$T/out.d" -t "8 hosts, synthetic" "$T/s.tsv"
ok "$rc" "stat-report -o: status 0"
cp "$T/out" "$T/report.md"
for p in throughput latency cpu memory; do
	f=$T/out.d/$p.png
	is "$(head -c 8 "$f" 2>/dev/null | od -An -tx1 | tr -d ' \n') $([ "$(wc -c <"$f")" -gt 10000 ] && echo big)" \
		"89504e470d0a1a0a big" "$p.png is a PNG (more than 10 kB)"
	ok "$(grep -qF "]($p.png)" "$T/report.md"; echo $?)" "the report embeds $p.png"
done
is "$(ls -A "$T/out.d" | grep -c '^\.plot')" 0 "gnuplot's scratch files are gone"
is "$(grep -c '^| p\(50\|90\|95\|99\|99.9\) | [0-9.]* ms | [0-9.]* ms and [0-9.]* ms |$' "$T/report.md")" 5 \
	"the whole run's percentiles, each with its bucket's bounds"
is "$(grep -c '^| h0[1-8] | [0-9,]* | [0-9.k]* | [0-9.]* ms | [0-9]*% | ' "$T/report.md")" 8 "a row per host"
ok "$(grep -q '^\* [0-9:]* UTC: h07 did not answer for [0-9]* s$' "$T/report.md"; echo $?)" "the events: h07 not answering, for how long"
ok "$(grep -q '^| h07 | .* | [0-9]* s | 0 |$' "$T/report.md"; echo $?)" "... and in h07's row"

# the percentiles against the exact values of the latencies drawn
run stat-report -L "$T/s.tsv"
is "$(sed -n 's/^n //p' "$T/out")" "$(sed -n 's/^n //p' "$T/exact")" "as many latencies in the buckets as were drawn"
for q in p50:0.5 p90:0.9 p95:0.95 p99:0.99 p99.9:0.999; do
	name=${q%%:*} qq=${q#*:}
	read -r _ v lo hi < <(grep "^$name " "$T/out")
	exact=$(awk -v q="$qq" '$1 == q { print $2 }' "$T/exact")
	ok "$(awk -v v="$v" -v lo="$lo" -v hi="$hi" -v x="$exact" \
		'BEGIN { exit !(lo < x && x <= hi && (v - x < 0 ? x - v : v - x) <= hi - lo && (hi - lo) / hi <= 0.28) }'; echo $?)" \
		"$name: exact $exact in the bucket ($lo, $hi], estimate $v within its width (at most 28%)"
done

# at most -m points a series (STAT_REPORT_KEEP keeps gnuplot's data)
"$SYNTH" -H 2 -d 15000 -t 1 -r 5 >"$T/long.tsv"
mkdir -p "$T/long.d"
STAT_REPORT_KEEP=1 stat-report -o "$T/long.d" "$T/long.tsv" >/dev/null 2>"$T/keep"
d=$(sed -n 's/.*files kept in //p' "$T/keep")
is "$(wc -l <"$d/cluster.dat") $(awk '{ print NF }' "$d/acks.mat" | sort -u)" "3750 3750" \
	"15,000 ticks: 3,750 points a series (bins of 4 ticks), at most 4,000"
STAT_REPORT_KEEP=1 stat-report -m 500 -o "$T/long.d" "$T/long.tsv" >/dev/null 2>"$T/keep"
d=$(sed -n 's/.*files kept in //p' "$T/keep")
ok "$([ "$(wc -l <"$d/cluster.dat")" -le 500 ]; echo $?)" "-m 500: at most 500"

# thresholds
printf 'hosts=8 ok=8 users=80 lost=0 duplicated=2 disordered=0\n' >"$T/summary"
run stat-report -q -s 'p99<250ms lost=0' -S "$T/summary" "$T/s.tsv"
is "$rc $(grep -c '^\[slo\] .*: ok (' "$T/err") $(wc -c <"$T/out")" "0 2 0" "SLO kept: status 0, one ok line each, -q: no markdown"
run stat-report -q -s 'p99<1ms lost=0 duplicated=0' -S "$T/summary" "$T/s.tsv"
is "$rc $(tail -n 1 "$T/err")" "1 [slo] 2 of 3 thresholds not kept: p99<1ms, duplicated=0" "SLO broken: status 1, naming each"
ok "$(grep -q '^\[slo\] p99<1ms: BROKEN (p99 [0-9.]* ms (exact value between' "$T/err"; echo $?)" "... with the value and its bounds"
run stat-report -s 'p99<1ms' -S "$T/summary" "$T/s.tsv"
ok "$(grep -q '^| `p99<1ms` | p99 .* | \*\*NO\*\* |$' "$T/out"; echo $?)" "without -q the thresholds are a table of the report"
run stat-report -s 'rate>100 down<=1 restarts=0 steal<30%' "$T/s.tsv"
is "$rc $(grep -c ': ok (' "$T/err")" "0 4" "the recording's own figures: rate, hosts down, restarts, steal"
run stat-report -s 'p99<1s lost=0'
is "$rc $(grep -c 'cannot tell' "$T/err")" "1 2" "nothing to tell from: status 1, never a pass"
expect_fail 2 'unknown name wibble' "an unknown name: status 2" stat-report -s 'wibble<3' "$T/s.tsv"
expect_fail 2 'a latency needs a unit' "a latency without a unit: status 2" stat-report -s 'p99<250' "$T/s.tsv"
expect_fail 2 'want NAME OP VALUE' "no operator: status 2" stat-report -s 'p99' "$T/s.tsv"

# bad input
printf '# x\n1700000000.000\th01\tup\tdt=3\n1700000003.000\th01\tup\tlat=0.1:x\n' >"$T/bad.tsv"
expect_fail 1 "stat-report: $T/bad.tsv:3: lat=" "a bad line is named, file and line" stat-report -q "$T/bad.tsv"
expect_fail 1 "stat-report: $T/none.tsv" "a missing file is named" stat-report -q "$T/none.tsv"
done_testing
