# lib-pipeline.sh: what the pipeline tests (t05NN) share, sourced after lib.sh.
# pm runs the top-level make on a cluster of this test's own: hosts/, results/,
# run/ and state/ in $T, addresses $NET.$FIRST... of 127.0.4.0/24 and sshd
# port $SSH_PORT, so a user's cluster (127.0.1.x, ./hosts) is never touched.
# The cluster is destroyed when the test exits, whatever happened.
: "${FIRST:?set FIRST before sourcing lib-pipeline.sh}"
NET=${NET:-127.0.4}
SSH_PORT=${SSH_PORT:-$((2200 + FIRST))}
# A make run inside `make test` must not inherit the outer make's flags or
# jobserver; $BIN (exported by mk/test.mk) selects the tools.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

pm() {
	make -C "$TOP" --no-print-directory NET="$NET" FIRST="$FIRST" SSH_PORT="$SSH_PORT" \
		HOSTS_DIR="$T/hosts" RESULTS="$T/results" RUN_DIR="$T/run" STATE="$T/state" "$@"
}

_pm_cleanup() { pm destroy >/dev/null 2>&1; _cleanup; }
trap _pm_cleanup EXIT

# addr N: the address of host N.
addr() { echo "$NET.$((FIRST + $1 - 1))"; }

# listeners: "addr:port" of every TCP listener on this test's addresses.
listeners() {
	ss -Hltn 2>/dev/null | awk -v net="$NET." -v lo="$FIRST" -v hi="$((FIRST + 19))" '{
		a = $4; sub(/:[0-9]+$/, "", a)
		if (index(a, net) == 1) { n = substr(a, length(net) + 1) + 0; if (n >= lo && n <= hi) print $4 } }' | sort
}

# our_pids: PIDs of the processes this test's cluster runs: the ones named
# by the hosts' pid files and sshd's, and ssh ControlMaster processes of $T.
our_pids() {
	{
		cat "$T"/run/h*/pid/*.pid "$T/state/ssh/sshd.pid" 2>/dev/null
		for f in /proc/[0-9]*/cmdline; do
			tr '\0' ' ' 2>/dev/null <"$f" | grep -q -- "$T/" && { p=${f#/proc/}; echo "${p%/cmdline}"; }
		done
	} | sort -un
}

# with_descendants PID...: the PIDs and every process below them.
with_descendants() {
	local f line rest p
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		rest=${line##*) }
		set -- $rest
		p=${f#/proc/}
		echo "${p%/stat} $2"
	done | awk -v roots="$*" 'BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
		{ parent[$1] = $2 }
		END { for (p in parent) { q = p; while (q in parent && !(q in want) && q > 1) q = parent[q]; if (q in want) print p } }' | sort -un
}

# still_running PID...: the ones still alive (not zombies).
still_running() {
	local p s
	for p; do
		[ -r "/proc/$p/stat" ] || continue
		s=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)
		[ -n "$s" ] && [ "$s" != Z ] && echo "$p"
	done
}

# mtime FILE: modification time in nanoseconds (0 when missing).
mtime() { stat -c %.9Y "$1" 2>/dev/null | tr -d . || echo 0; }

# hold ADDR PORT: a listener of the test's own on ADDR:PORT (python3), its
# PID in $HOLD_PID, tracked so it is stopped at exit.
hold() {
	python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8)
while True: time.sleep(60)' "$1" "$2" &
	HOLD_PID=$!
	track "$HOLD_PID"
	wait_port "$1" "$2" 10
}
