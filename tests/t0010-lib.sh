# t0010-lib: unit tests of src/lib (cell ranges, number parsing, inventory).
. "$(dirname "$0")/helper/lib.sh"
"$BUILD/tests/test-lib"
