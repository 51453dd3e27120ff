# t0011-peerline: unit tests of src/lib/peerline.c (cellsrv's peer lines,
# items and inbox entries: valid, every field malformed, ids at the bounds).
. "$(dirname "$0")/helper/lib.sh"
"$BUILD/tests/test-peerline"
