# t0701-procfs: src/lib/procfs.c, what cellsrv's node_* metrics read: the
# per-CPU times of a recorded /proc/stat of a host losing 30% of its CPU to
# steal (tests/data/proc), load, memory, a process's RSS, malformed and
# missing files, the CELLSTRESS_PROC hook. Needs no server.
. "$(dirname "$0")/helper/lib.sh"
"$BUILD/tests/test-procfs" "$TOP/tests/data/proc" "$T"
