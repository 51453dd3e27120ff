# t0110-rg-split: -k and -o give back exactly the input, gen-users -k equals
# gen-users | rg-split -k for every cell, every bad line is refused with its
# line number and -o never leaves files that look complete.
. "$(dirname "$0")/helper/lib.sh"

G=$BIN/gen-users
R=$BIN/rg-split

# -k over all cells, concatenated in cell order, is the input.
$G -n 100000 -c 4 >"$T/g"
: >"$T/cat"
for k in 1 2 3 4; do
	$R -n 100000 -c 4 -k $k <"$T/g" >"$T/k$k"; ok $? "rg-split -k $k exits 0"
	cat "$T/k$k" >>"$T/cat"
done
cmp -s "$T/cat" "$T/g"; ok $? "-k 1..4 concatenated equal the input"

# -o writes the same bytes as -k, and nothing else.
$R -n 100000 -c 4 -o "$T/split" <"$T/g"; ok $? "rg-split -o exits 0"
for k in 1 2 3 4; do
	cmp -s "$T/split/cell-$k.tsv" "$T/k$k"; ok $? "-o cell-$k.tsv equals -k $k"
done
is "$(ls -A "$T/split" | tr '\n' ' ')" "cell-1.tsv cell-2.tsv cell-3.tsv cell-4.tsv " "-o leaves exactly the cell files"

# gen-users -k CELL equals gen-users | rg-split -k CELL for every cell, also
# with 40 uneven cells (ceil split of 3990 users: 100 per cell, 90 in the last).
for k in 1 2 3 4; do
	$G -n 100000 -c 4 -k $k | cmp -s - "$T/k$k"; ok $? "gen-users -k $k equals gen-users | rg-split -k $k"
done
$G -n 3990 -c 40 -s 7 -x 5 >"$T/g40"
$R -n 3990 -c 40 -o "$T/s40" <"$T/g40"
bad=0
for k in $(seq 40); do
	$G -n 3990 -c 40 -s 7 -x 5 -k $k | cmp -s - "$T/s40/cell-$k.tsv" || { bad=$((bad + 1)); diag "cell $k differs"; }
done
is "$bad" 0 "3990/40: gen-users -k equals the -o file for all 40 cells"
cat $(for k in $(seq 40); do echo "$T/s40/cell-$k.tsv"; done) | cmp -s - "$T/g40"
ok $? "3990/40: the 40 cell files concatenated equal the input"

# Bad input: message "rg-split: <stdin>:LINE: what", exit 1.
# bad NAME REGEX INPUT: the input is printf-interpreted.
bad() {
	printf -- "$3" >"$T/in"
	expect_fail 1 "^rg-split: <stdin>:$2" "bad input: $1" $R -n 100 -c 4 -k 1 <"$T/in"
}
bad "non-numeric uid"      '2: field 1 is not a number: "abc"' '1\t2\nabc\t3\n'
bad "non-numeric fid"      '3: field 2 is not a number: "4x"'  '1\t2\n2\t1\n3\t4x\n'
bad "missing tab"          '1: no tab'                         '1 2\n'
bad "empty field"          '1: field 1 is not a number'        '\t2\n'
bad "two tabs"             '1: field 2 is not a number'        '1\t2\t3\n'
bad "carriage return"      '1: field 2 is not a number'        '1\t2\r\n'
bad "empty line"           '2: no tab'                         '1\t2\n\n2\t1\n'
bad "uid 0"                '1: uid 0 out of range 1..100'      '0\t2\n'
bad "fid above users"      '1: fid 101 out of range 1..100'    '1\t101\n'
bad "huge id"              '1: uid 99999999999999999999 out'   '99999999999999999999\t1\n'
bad "negative id"          '1: field 1 is not a number: "-1"'  '-1\t2\n'
bad "self-friendship"      '2: user 5 is its own friend'       '1\t2\n5\t5\n'
bad "NUL byte"             '1: NUL byte'                       '1\t2\0003\n'
head -c 1048576 /dev/zero | tr '\0' 7 >"$T/big"; printf '\t1\n' >>"$T/big"
{ printf '1\t2\n'; cat "$T/big"; } >"$T/in"
expect_fail 1 '^rg-split: <stdin>:2: line longer than 64 bytes' "bad input: a 1 MB line" $R -n 100 -c 4 -k 1 <"$T/in"
expect_fail 1 '^rg-split: <stdin>: no relation lines' "empty input" $R -n 100 -c 4 -k 1 </dev/null
# A NUL byte or a bad line many blocks into the input (the reader works in
# 256 KiB blocks) is reported with its own line number.
{ head -n 250000 "$T/g"; printf '7\t8\0009\n'; tail -n +250001 "$T/g"; } >"$T/in"
expect_fail 1 '^rg-split: <stdin>:250001: NUL byte in line' "a NUL byte at line 250001" $R -n 100000 -c 4 -k 1 <"$T/in"
{ head -n 250000 "$T/g"; printf '7\t8x\n'; } >"$T/in"
expect_fail 1 '^rg-split: <stdin>:250001: field 2 is not a number: "8x"' "a bad line at line 250001" $R -n 100000 -c 4 -k 1 <"$T/in"
# A bad line in another cell's part is refused too (every line is checked).
printf '1\t2\n90\tx\n' >"$T/in"
expect_fail 1 '<stdin>:2:' "a bad line outside the selected cell is refused" $R -n 100 -c 4 -k 1 <"$T/in"

# -o with a bad last line: exit 1, no cell file, no temporary left, and
# older complete files untouched.
mkdir "$T/o"; echo old >"$T/o/cell-1.tsv"
{ cat "$T/g40"; printf '5\t5\n'; } >"$T/in"
expect_fail 1 "<stdin>:$(($(wc -l <"$T/g40") + 1)): user 5 is its own friend" "-o: bad last line refused" \
	$R -n 3990 -c 40 -o "$T/o" <"$T/in"
is "$(ls -A "$T/o" | tr '\n' ' ')|$(cat "$T/o/cell-1.tsv")" "cell-1.tsv |old" "-o failure leaves no new or temporary file and keeps the old one"
run $R -n 3990 -c 40 -o "$T/o/missing/deeper" <"$T/g40"
is "$rc" 1 "-o into a directory that cannot be made fails with exit 1"
run sh -c "ulimit -n 40; $R -n 3990 -c 40 -o '$T/few' <'$T/g40'"
is "$rc|$(grep -c 'need 56 open files; the limit is 40' "$T/err")|$(ls -d "$T/few" 2>/dev/null)" "1|1|" \
	"-o with more cells than open files allowed: exit 1 before creating anything"

# Usage errors exit 2; -h prints the usage.
expect_fail 2 'usage: rg-split' "no arguments" $R
expect_fail 2 'usage: rg-split' "neither -k nor -o" $R -n 10 -c 2
expect_fail 2 'usage: rg-split' "both -k and -o" $R -n 10 -c 2 -k 1 -o "$T/x"
expect_fail 2 'only 2 cells' "-k beyond the cells" $R -n 10 -c 2 -k 3
expect_fail 2 '-n: must be a number' "-n not a number" $R -n ten -c 2 -k 1
expect_fail 2 'last cell would be empty' "impossible cell split" $R -n 9 -c 4 -k 1
run $R -h
is "$rc $(grep -c '^usage: rg-split' "$T/out")" "0 1" "-h prints the usage on stdout and exits 0"
run sh -c "$R -n 100000 -c 4 -k 1 <'$T/g' >/dev/full"
is "$rc" 1 "a write error fails with exit 1"

done_testing
