# t0002-docs: docs/tools.md documents every program in bin/ as it is: each
# program has an entry ("## NAME") whose usage line is, verbatim and on a
# line of its own, the line the program prints for -h (redis-bulkload:
# --help); no entry names a program that is not there. README.md stays
# within 250 lines and links every docs/*.md; every link between README.md
# and docs/*.md (file and #anchor) resolves. Needs no server.
. "$(dirname "$0")/helper/lib.sh"
DOC=$TOP/docs/tools.md

ok "$([ -r "$DOC" ]; echo $?)" "docs/tools.md exists"
for p in "$BIN"/*; do
	t=${p##*/}
	opt=-h
	[ "$t" = redis-bulkload ] && opt=--help
	run "$p" "$opt" </dev/null
	usage=$(grep "^usage: $t " "$T/out")
	is "$rc $(printf '%s\n' "$usage" | grep -c .)" "0 1" "$t $opt: exit 0, one usage line"
	ok "$(grep -qx -- "## $t" "$DOC"; echo $?)" "$t has an entry in docs/tools.md"
	if [ -n "$usage" ] && grep -qxF -- "$usage" "$DOC"; then ok 0 "$t: its usage line is in docs/tools.md"
	else ok 1 "$t: its usage line is in docs/tools.md"; diag "want the line: $usage"; fi
done

# Every entry is a program (a renamed or removed tool leaves no stale page).
stale=""
for t in $(sed -n 's/^## \([a-z0-9-]*\)$/\1/p' "$DOC"); do
	[ -x "$BIN/$t" ] || stale="$stale $t"
done
is "$stale" "" "every entry of docs/tools.md is a program in bin/"

# README: at most 250 lines, links each docs/*.md, every link resolves.
is "$(( $(wc -l <"$TOP/README.md") <= 250 ))" 1 "README.md has at most 250 lines"
missing=""
for d in "$TOP"/docs/*.md; do
	grep -q "(docs/${d##*/})" "$TOP/README.md" || missing="$missing ${d##*/}"
done
is "$missing" "" "README.md links every docs/*.md"
# anchors FILE: the GitHub anchor of each heading of FILE, one a line.
anchors() {
	sed -n 's/^#\{1,6\} //p' "$1" | tr 'A-Z' 'a-z' | LC_ALL=C sed 's/[^a-z0-9 _-]//g; s/ /-/g'
}
broken=""
for f in "$TOP"/README.md "$TOP"/docs/*.md; do
	for l in $(grep -o '](\([A-Za-z0-9_./-]*\.md\)\{0,1\}\(#[a-z0-9_-]*\)\{0,1\})' "$f" | sed 's/^](//; s/)$//'); do
		file=${l%%#*} anchor=""
		case $l in *'#'*) anchor=${l#*#} ;; esac
		[ -n "$file" ] && target=$(dirname "$f")/$file || target=$f
		if [ ! -f "$target" ]; then broken="$broken ${f##*/}:$l"
		elif [ -n "$anchor" ] && ! anchors "$target" | grep -qx -- "$anchor"; then broken="$broken ${f##*/}:$l"; fi
	done
done
is "$broken" "" "every .md link and #anchor of README.md and docs/ resolves"

done_testing
