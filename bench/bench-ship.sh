#!/usr/bin/env bash
# bench-ship: SHIP=direct against SHIP=tree. For each HOSTS in $SIZES and
# each mode, RUNS times: a fresh cluster (provision, new ssh connections)
# on 127.0.10.101... through the loopback sshd, then `make -j$HOSTS deploy
# TRANSPORT=ssh SHIP_RUNTIME=1 SHIP=MODE` timed from the shell, then the bytes
# the control host sent: the sum of bytes_received of the sshd ends of the
# hosts' ssh connections (ss -tin; one ControlMaster connection per host),
# then destroy. USERS is small (1000) so deploy is mostly the ship.
# Prints one line per run, and uptime before and after.
# Override with SIZES="5 20" RUNS=3 USERS=1000.
set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
SIZES=${SIZES:-5 20} RUNS=${RUNS:-3} USERS=${USERS:-1000}
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
NET=127.0.10 FIRST=101 PORT=2301
S=$(mktemp -d "${TMPDIR:-/tmp}/bench-ship.XXXXXX")
pm() {
	make -C "$TOP" --no-print-directory NET=$NET FIRST=$FIRST SSH_PORT=$PORT \
		HOSTS_DIR="$S/hosts" RESULTS="$S/results" RUN_DIR="$S/run" STATE="$S/state" "$@"
}
trap 'pm destroy >/dev/null 2>&1; rm -rf "$S"' EXIT
trap 'exit 130' INT TERM

# sent: bytes received by the sshd ends of the connections on our addresses.
sent() {
	ss -Htin state established "( sport = :$PORT )" | awk -v net="$NET." '
		/^ *[0-9]/ { a = $3; sub(/:[0-9]+$/, "", a); in_net = index(a, net) == 1; next }
		in_net && match($0, /bytes_received:[0-9]+/) { t += substr($0, RSTART + 15, RLENGTH - 15); in_net = 0 }
		END { print t + 0 }'
}

make -C "$TOP" -s runtime >/dev/null || exit 1
echo "bench-ship: archive $(stat -c %s "$TOP/build/runtime.tar.gz") bytes, USERS=$USERS, $(nproc) cpus"
echo "load before: $(uptime)"
rc=0
for n in $SIZES; do
	for mode in direct tree; do
		for r in $(seq "$RUNS"); do
			pm provision HOSTS="$n" USERS="$USERS" TRANSPORT=ssh >"$S/provision.out" 2>&1 ||
				{ echo "bench-ship: provision failed"; tail -n 5 "$S/provision.out"; exit 1; }
			t0=$(date +%s.%N)
			pm -j"$n" deploy SHIP_RUNTIME=1 SHIP=$mode >"$S/deploy.out" 2>&1 || rc=1
			t1=$(date +%s.%N)
			b=$(sent)
			awk -v n="$n" -v m="$mode" -v r="$r" -v a="$t0" -v z="$t1" -v b="$b" -v f="$(grep -c 'from the control host' "$S/deploy.out")" \
				'BEGIN { printf "HOSTS=%-3d SHIP=%-6s run %d  deploy %6.2f s  control host sent %11d bytes%s\n", n, m, r, z - a, b, (m == "tree" ? sprintf("  (%d from it)", f) : "") }'
			[ "$rc" = 0 ] || { echo "bench-ship: deploy failed:"; tail -n 5 "$S/deploy.out"; exit 1; }
			pm destroy >"$S/destroy.out" 2>&1
		done
	done
done
echo "load after:  $(uptime)"
exit "$rc"
