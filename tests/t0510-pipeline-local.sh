# t0510-pipeline-local: the whole cycle (provision deploy run check report,
# then destroy) with HOSTS=3 USERS=3000 (LAYOUT_T) over TRANSPORT=local.
. "$(dirname "$0")/helper/lib.sh"
FIRST=11
. "$(dirname "$0")/helper/pipeline.sh"
cycle_test local everysec
done_testing
