# t0520-pipeline-ssh: the whole cycle (provision deploy run check report,
# then destroy) with HOSTS=3 USERS=3000 (LAYOUT_T) over TRANSPORT=ssh, through a real
# sshd on loopback started by make provision (keys, config, ControlMaster).
. "$(dirname "$0")/helper/lib.sh"
FIRST=21
. "$(dirname "$0")/helper/pipeline.sh"
cycle_test ssh no
done_testing
