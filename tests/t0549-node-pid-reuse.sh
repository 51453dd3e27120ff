# t0549-node-pid-reuse: cs-node stops only what it started. A PID recorded
# in pid/NAME.pid is given out again once its process is gone (every 32,768
# forks here), possibly to a process whose command line even names the
# program, as "bash tests/t0430-msgclient.sh" does: `cs-node stop` must
# leave such a stranger alone. spawn records the start time beside the PID
# (pid/NAME.start); a host deployed by an older cs-node has none, and the
# command line decides there. Also cs-record, which records the same way.
. "$(dirname "$0")/helper/lib.sh"

H=$T/h01
mkdir -p "$H/pid"

# decoy NAME: a process whose command line names NAME, in the background.
decoy() { bash -c 'exec -a "$0-decoy" sleep 300' "$1" & D=$!; track $D; sleep 0.1; }
starttime() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; }
node_stop() { (cd "$H" && cs-node -n h01 stop) >"$T/out" 2>"$T/err"; rc=$?; }

decoy msgclient
echo "$D" >"$H/pid/msgclient.pid"
echo $(($(starttime $D) + 1)) >"$H/pid/msgclient.start"
node_stop
kill -0 $D 2>/dev/null; ok $? "a stranger with the recorded PID but another start time is not stopped"
is "$rc $(cat "$T/err")" "0 " "stop: status 0, nothing said"
[ ! -e "$H/pid/msgclient.pid" ] && [ ! -e "$H/pid/msgclient.start" ]
ok $? "stop: the stale pid/msgclient.pid and .start are removed"

echo "$D" >"$H/pid/msgclient.pid"
starttime $D >"$H/pid/msgclient.start"
node_stop
for _ in $(seq 50); do kill -0 $D 2>/dev/null || break; sleep 0.1; done
kill -0 $D 2>/dev/null; is "$?" 1 "the process with the recorded PID and start time is stopped"

# Without a .start (an older cs-node), the command line decides.
decoy msgclient
echo "$D" >"$H/pid/cellsrv.pid"
node_stop
kill -0 $D 2>/dev/null; ok $? "no .start: a process whose command line does not name cellsrv is not stopped"
echo "$D" >"$H/pid/msgclient.pid"
node_stop
for _ in $(seq 50); do kill -0 $D 2>/dev/null || break; sleep 0.1; done
kill -0 $D 2>/dev/null; is "$?" 1 "no .start: one whose command line names msgclient is stopped (the older rule)"

# spawn records both: a real client started and stopped through cs-node
# would need a whole host; cs-serve is the smallest thing it spawns.
mkdir -p "$H/bin" "$H/ship"
cp "$BIN/cs-serve" "$H/bin/"
echo "h01 127.0.5.49 1 1 10" >"$H/inventory"
echo "not really an archive" | gzip >"$H/ship/bin.tar.gz"
(cd "$H" && cs-node -n h01 -I 60 serve) >"$T/out" 2>"$T/err"
is "$?" 0 "cs-node serve: cs-serve started ($(cat "$T/err"))"
read -r p <"$H/pid/cs-serve.pid"; track "$p"
is "$(cat "$H/pid/cs-serve.start" 2>/dev/null)" "$(starttime "$p")" "spawn: pid/cs-serve.start holds the start time of pid/cs-serve.pid"
node_stop
for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
kill -0 "$p" 2>/dev/null; is "$?" 1 "stop: the spawned cs-serve is stopped"

# cs-record: stop leaves a stranger alone too.
decoy stat-record
echo "$D" >"$T/.stat-record.pid"
echo 1 >"$T/.stat-record.start"
cs-record -o "$T/stats.tsv" stop; is "$?" 0 "cs-record stop: status 0"
kill -0 $D 2>/dev/null; ok $? "cs-record stop: a stranger with the recorded PID is not stopped"
done_testing
