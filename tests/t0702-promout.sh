# t0702-promout: src/lib/promout.c, the writer of cellsrv's and msgclient's
# /metrics: what it writes promtext reads back exactly (test-promout.c,
# with cellsrv's latency buckets, at most 28% apart), and Prometheus's own
# linter accepts it. Needs promtool (Debian's prometheus).
. "$(dirname "$0")/helper/lib.sh"
# the C test's cases, numbered on with this file's
"$BUILD/tests/test-promout" "$T/metrics" >"$T/tap"
while IFS= read -r l; do
	case $l in
	"ok "*) ok 0 "${l#* - }" ;;
	"not ok "*) ok 1 "${l#* - }" ;;
	esac
done <"$T/tap"
run promtool check metrics <"$T/metrics"
is "$rc $(cat "$T/out" "$T/err")" "0 " "promtool check metrics: no problem"
done_testing
