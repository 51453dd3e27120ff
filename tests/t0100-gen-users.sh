# t0100-gen-users: determinism, graph invariants, degree statistics, -k,
# small and impossible parameters, usage errors.
. "$(dirname "$0")/helper/lib.sh"

G=$BIN/gen-users
CHECK=$BUILD/tests/graph-check

# field NAME: value of NAME= in the graph-check line $T/chk
field() { tr ' ' '\n' <"$T/chk" | sed -n "s/^$1=//p"; }
# within GOT WANT PCT: |GOT-WANT| <= PCT% of WANT
within() { awk -v g="$1" -v w="$2" -v p="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= w * p / 100) }'; }
# invariants DESC: the graph in $T/chk is symmetric, sorted, in range, no self/dup, nobody friendless
invariants() {
	is "$(field friendless) $(field self) $(field dup) $(field unsorted) $(field range) $(field asym)" \
		"0 0 0 0 0 0" "$1: no friendless, self, duplicate, unsorted, out-of-range or one-way line"
}

# Determinism: same arguments, same bytes; another seed, another graph.
a=$($G -n 20000 -c 4 | sha256sum)
b=$($G -n 20000 -c 4 | sha256sum)
c=$($G -n 20000 -c 4 -S 2 | sha256sum)
d=$($G -n 20000 -c 4 -S 1 -s 20 -x 10 | sha256sum)
is "$a" "$b" "same arguments twice give the same bytes"
ok "$([ "$a" != "$c" ]; echo $?)" "another seed gives another graph"
is "$d" "$a" "explicit defaults (-S 1 -s 20 -x 10) equal the defaults"
# Every host generates the graph on its own, so it must be the same bytes on
# every machine and build: this value was computed when the generator was
# written (x86-64, gcc 12). Change it only with a deliberate change of the
# graph, and then on every host at once.
is "$($G -n 1000 -c 4 | sha256sum | cut -c1-64)" 5200369e2b59bcaf64b87b13f4719d4581c0c0a76dae1d0c7c0892db41cc5948 \
	"gen-users -n 1000 -c 4 is the graph of every other machine and build"

# The issue's statistics run: 100000 users, 4 cells.
$G -n 100000 -c 4 >"$T/g4"
ok $? "gen-users -n 100000 -c 4 exits 0"
$CHECK 100000 4 <"$T/g4" >"$T/chk"
diag "$(cat "$T/chk")"
invariants "100000/4"
within "$(field same_mean)" 20 5; ok $? "mean same-cell degree $(field same_mean) within 5% of 20"
within "$(field cross_mean)" 10 10; ok $? "mean cross-cell degree $(field cross_mean) within 10% of 10"
ok "$([ "$(field min)" -ge 1 ]; echo $?)" "every user has a friend (min degree $(field min))"
# Cross friends spread over every other cell: each ordered cell pair within 10% of the mean.
within "$(field xpair_min)" "$(field xpair_max)" 10; ok $? "cross relations spread evenly over cell pairs ($(field xpair_min)..$(field xpair_max))"

# Odd degrees and many cells.
$G -n 20000 -c 5 -s 7 -x 3 | $CHECK 20000 5 >"$T/chk"
invariants "20000/5 -s 7 -x 3"
within "$(field same_mean)" 7 5; ok $? "odd same: mean $(field same_mean) within 5% of 7"
within "$(field cross_mean)" 3 10; ok $? "odd cross: mean $(field cross_mean) within 10% of 3"
$G -n 40000 -c 40 | $CHECK 40000 40 >"$T/chk"
invariants "40000/40"
ok "$([ "$(field xpair_min)" -gt 0 ]; echo $?)" "40 cells: every cell has cross friends in every other cell"

# -k CELL prints exactly that cell's lines of the whole graph; all cells in
# order give the whole graph back.
: >"$T/cat"
for k in 1 2 3 4; do
	lo=$(( (k - 1) * 25000 + 1 )); hi=$(( k * 25000 ))
	$G -n 100000 -c 4 -k $k >"$T/k$k"
	awk -v lo=$lo -v hi=$hi '$1 >= lo && $1 <= hi' "$T/g4" | cmp -s - "$T/k$k"
	ok $? "-k $k equals the cell's lines of the whole graph"
	cat "$T/k$k" >>"$T/cat"
done
cmp -s "$T/cat" "$T/g4"; ok $? "-k 1..4 concatenated equal the whole graph"
# Uneven cells (ceil split of 23 in 4: 6 6 6 5).
$G -n 23 -c 4 -s 3 -x 2 >"$T/u"
for k in 1 4; do
	$G -n 23 -c 4 -s 3 -x 2 -k $k >"$T/uk"
	awk -v lo=$(( (k - 1) * 6 + 1 )) -v hi=$(( k == 4 ? 23 : k * 6 )) '$1 >= lo && $1 <= hi' "$T/u" | cmp -s - "$T/uk"
	ok $? "23/4 -k $k equals the cell's lines"
done

# Small inputs: clear behaviour, never a hang or crash.
run $G -n 10 -c 4
is "$rc" 0 "10 users in 4 cells (same > cell size: cells are cliques)"
$CHECK 10 4 <"$T/out" >"$T/chk"; invariants "10/4"
# cell 1 is users 1..3: a clique, so 1's same-cell friends are exactly 2 and 3
is "$(awk '$1 == 1 && $2 <= 3 { printf "%s ", $2 }' "$T/out")" "2 3 " "10/4: a cell smaller than SAME is a clique"
run $G -n 10 -c 4 -s 1 -x 1
$CHECK 10 4 <"$T/out" >"$T/chk"; invariants "10/4 -s 1 -x 1"
run $G -n 3 -c 3 -x 1
$CHECK 3 3 <"$T/out" >"$T/chk"; invariants "3 one-user cells with -x 1"
run $G -n 2 -c 1
is "$rc $(tr '\t\n' ':,' <"$T/out")" "0 1:2,2:1," "2 users in one cell: one friendship, no cross (default -x is 0 with one cell)"
run $G -n 1000 -c 1 -s 0 -x 0
is "$rc" 2 "-s 0 -x 0 refused with exit 2"

# Impossible parameters and usage errors: exit 2 and a message.
expect_fail 2 'usage: gen-users' "no arguments" $G
expect_fail 2 'usage: gen-users' "missing -c" $G -n 10
expect_fail 2 '-n: must be a number' "-n 0" $G -n 0 -c 1
expect_fail 2 '-n: must be a number' "-n abc" $G -n abc -c 1
expect_fail 2 '-c: must be a number' "-c 0" $G -n 10 -c 0
expect_fail 2 '-s: must be a number' "-s -1" $G -n 10 -c 2 -s -1
expect_fail 2 'only 4 cells' "-k beyond the cells" $G -n 10 -c 4 -k 5
expect_fail 2 'last cell would be empty' "9 users in 4 cells" $G -n 9 -c 4
expect_fail 2 'more cells than users' "more cells than users" $G -n 3 -c 4
expect_fail 2 'no other cell' "-x 1 with one cell" $G -n 10 -c 1 -x 1
expect_fail 2 'holds only user 10' "-x 0 with a one-user cell" $G -n 10 -c 4 -x 0
expect_fail 2 'usage: gen-users' "extra argument" $G -n 10 -c 1 extra
expect_fail 2 'usage: gen-users' "unknown option" $G -n 10 -c 1 -q
run $G -h
is "$rc $(grep -c '^usage: gen-users' "$T/out")" "0 1" "-h prints the usage on stdout and exits 0"

# A closed stdout is a write error, not a silent success.
run sh -c "$G -n 1000 -c 2 >/dev/full"
is "$rc" 1 "writing to a full disk fails with exit 1"

done_testing
