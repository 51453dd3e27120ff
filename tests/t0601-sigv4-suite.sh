# t0601-sigv4-suite: src/lib/sigv4 against AWS's published SigV4 test suite
# (canonical request, string to sign and Authorization of every case), kept
# in tests/data/aws-sig-v4-test-suite with its LICENSE and NOTICE; SIGV4_SUITE
# names another copy.
. "$(dirname "$0")/helper/lib.sh"
SUITE=${SIGV4_SUITE:-$TOP/tests/data/aws-sig-v4-test-suite}
# Every case in the suite: a directory holding NAME.req.
find "$SUITE" -name '*.req' | sort >"$T/cases"
[ -s "$T/cases" ] || { echo "1..1"; echo "not ok 1 - no test cases under $SUITE"; exit 1; }
xargs "$BUILD/tests/test-sigv4" <"$T/cases"
