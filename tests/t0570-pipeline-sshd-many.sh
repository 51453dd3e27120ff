# t0570-pipeline-sshd-many: sshd listens on at most 16 addresses per process,
# so cs-sshd runs one sshd per 16 hosts; 20 hosts get two, every host answers
# ssh at its own address, and stop leaves no listener and no sshd.
. "$(dirname "$0")/helper/lib.sh"
FIRST=200
. "$(dirname "$0")/helper/pipeline.sh"

S=$T/state/ssh
cs-inventory -n 200 -c 20 -a "$NET" -f "$FIRST" >"$T/inv"
run cs-sshd -d "$S" -i "$T/inv" -c "$T/ssh_config" -p "$SSH_PORT" start
ok "$rc" "cs-sshd start for 20 hosts"
is "$(ls "$S" | grep -c '^sshd-[0-9]*\.pid$') $(listeners | grep -c ":$SSH_PORT$")" "2 20" "two sshd processes listen on the 20 addresses"
run ssh -F "$T/ssh_config" h20 'echo $SSH_CONNECTION'
is "$rc $(awk '{ print $3 ":" $4 }' "$T/out")" "0 $(addr 20):$SSH_PORT" "h20 is reached at its own address"
run ssh -F "$T/ssh_config" h01 true
ok "$rc" "h01 answers too"
pids=$(with_descendants $(our_pids))
run cs-sshd -d "$S" -i "$T/inv" -c "$T/ssh_config" stop
is "$rc $(listeners | wc -l)" "0 0" "stop leaves no listener"
is "$(still_running $pids)" "" "no sshd, session or ControlMaster of them is left ($(echo $pids | wc -w) before)"

done_testing
