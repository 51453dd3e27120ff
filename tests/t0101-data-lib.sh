# t0101-data-lib: unit tests of prng.h, cs_utoa and the block line reader.
. "$(dirname "$0")/helper/lib.sh"
"$BUILD/tests/test-data-lib"
