# t0710-stat-record: a recording stays under its bound (-M) by merging each
# host's lines two by two, and loses nothing doing so: every count, and the
# latency percentiles, are the same as in the lines it was given; a
# recording resumed appends under the same bound. The progress line: share
# of the total (-e) done, msgs/s, ETA, the hosts down; the last line sums
# up what was recorded. Bad input is named by its line. Needs no server.
. "$(dirname "$0")/helper/lib.sh"
SYNTH=$BUILD/tests/stats-synth

expect_fail 2 '^stat-record: -M: must be a number' "-M too small: refused, status 2" stat-record -M 10
expect_fail 2 '^usage: stat-record' "an operand: usage" stat-record x

# sums FILE: per host, the sums of the counting keys, one line each
sums() {
	awk -F'\t' '!/^#/ { for (i = 4; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = substr($i, length(k) + 2)
		if (k ~ /^(dt|sent|acks|dlv|retx|usr|sys|stl|idl)$/) s[$2 " " k] += v } }
		END { for (x in s) printf "%s %.3f\n", x, s[x] }' "$1" | sort
}

"$SYNTH" -H 4 -d 900 -t 1 -r 50 >"$T/in.tsv"
size=$(wc -c <"$T/in.tsv")
run stat-record -o "$T/rec.tsv" -M 200000 <"$T/in.tsv"
is "$rc $(wc -c <"$T/err")" "0 0" "a $size-byte stream recorded with -M 200000: status 0"
got=$(wc -c <"$T/rec.tsv")
ok "$([ "$got" -le 200000 ]; echo $?)" "the recording holds $got bytes: within the bound"
is "$(sums "$T/rec.tsv" | md5sum)" "$(sums "$T/in.tsv" | md5sum)" "every host's counts (and dt) add up to the same"
stat-report -L "$T/in.tsv" >"$T/p.in"
stat-report -L "$T/rec.tsv" >"$T/p.rec"
is "$(cat "$T/p.rec")" "$(cat "$T/p.in")" "the same latency percentiles from the merged lines"
run stat-report -q -s 'p99<10s' "$T/rec.tsv"
is "$rc" 0 "stat-report reads the merged recording"

# resumed: another stream appended to the same recording, same bound
"$SYNTH" -H 4 -d 600 -t 1 -r 50 -S 2 | sed 's/^17000/17001/' >"$T/in2.tsv"
run stat-record -o "$T/rec.tsv" -M 200000 <"$T/in2.tsv"
ok "$rc" "a second stream appended"
got=$(wc -c <"$T/rec.tsv")
ok "$([ "$got" -le 200000 ]; echo $?)" "still within the bound: $got bytes"
cat "$T/in.tsv" "$T/in2.tsv" >"$T/both.tsv"
is "$(sums "$T/rec.tsv" | md5sum)" "$(sums "$T/both.tsv" | md5sum)" "the counts of both streams, all there"

# the progress line
"$SYNTH" -H 8 -d 600 -t 1 -r 100 >"$T/p8.tsv"
for h in 01 02 03 04 05 06 07 08; do echo "h$h 60000 0"; done >"$T/exp"
run stat-record -p 10 -e "$T/exp" <"$T/p8.tsv"
ok "$rc" "-p 10 -e: status 0"
is "$(grep -c '^\[run\] [0-9]*% [0-9.]*[kM]*/480k msgs, [0-9.]*[kM]* msgs/s, ETA [0-9]' "$T/out")" 59 \
	"a line every 10 s of the stream: share, done/total, msgs/s, ETA"
ok "$(grep -q '^\[run\] 3[0-9]% .*, ETA .*, h07 down$' "$T/out"; echo $?)" "the host down is named"
ok "$(tail -n 1 "$T/out" | grep -q '^\[run\] recorded 10 min: [0-9]*% [0-9.]*k/480k msgs, [0-9.]*[kM]* msgs/s on average$'; echo $?)" \
	"the last line: what was recorded"
echo "h01 3717642 1" >"$T/exp2"                 # h01 finished before
grep -v '^#' "$T/p8.tsv" | head -n 8 | sed 's/c_acked=[0-9]*/c_acked=0/' >"$T/one.tsv"
is "$(stat-record -p 1 -e "$T/exp2" <"$T/one.tsv" | tail -n 1 | grep -o '[0-9.]*M msgs')" "3.72M msgs" \
	"a host finished before the recording counts as done (-e: finished 1)"

# bad input: named by its line
printf '1700000000.000\th01\tup\tdt=1\n1700000001.000\th01\tsideways\n' >"$T/bad"
expect_fail 1 'stat-record: <stdin>:2: state is not up, stale or down' "a bad line is named" \
	sh -c "stat-record -o '$T/bad.rec' <'$T/bad'"
done_testing
