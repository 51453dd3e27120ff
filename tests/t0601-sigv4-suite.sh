# t0601-sigv4-suite: src/lib/sigv4 against AWS's published SigV4 test suite
# (canonical request, string to sign and Authorization of every case).
. "$(dirname "$0")/lib.sh"
SUITE=${SIGV4_SUITE:-$TOP/../shared/data/aws-sig-v4-test-suite}
[ -d "$SUITE" ] || SUITE=/work/shared/data/aws-sig-v4-test-suite
# Every case in the suite: a directory holding NAME.req.
find "$SUITE" -name '*.req' | sort >"$T/cases"
[ -s "$T/cases" ] || { echo "1..1"; echo "not ok 1 - no test cases under $SUITE"; exit 1; }
xargs "$BUILD/tests/test-sigv4" <"$T/cases"
