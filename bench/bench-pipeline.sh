#!/usr/bin/env bash
# bench-pipeline: the pipeline at the seed's fan-out on this machine:
# HOSTS=40 USERS=40000 with make -j40 over TRANSPORT (default ssh, through the
# loopback sshd), on 127.0.6.x with its own hosts/results/run/state in a
# scratch dir. Prints the seconds of provision, deploy (ship + start redis +
# generate + load + cellsrv healthy, all 40), run and check, and uptime.
# Target: deploy under 30 s. MSGS defaults to 1 (1.2M messages) to keep the run
# phase short on a shared machine. Override with HOSTS= USERS= MSGS= TRANSPORT= J=.
set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
HOSTS=${HOSTS:-40} USERS=${USERS:-40000} MSGS=${MSGS:-1} TRANSPORT=${TRANSPORT:-ssh} J=${J:-40}
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
S=$(mktemp -d "${TMPDIR:-/tmp}/bench-pipeline.XXXXXX")
pm() {
	make -C "$TOP" --no-print-directory NET=127.0.6 FIRST=1 SSH_PORT=2206 \
		HOSTS_DIR="$S/hosts" RESULTS="$S/results" RUN_DIR="$S/run" STATE="$S/state" "$@"
}
trap 'pm destroy >/dev/null 2>&1; rm -rf "$S"' EXIT
trap 'exit 130' INT TERM

echo "bench-pipeline: HOSTS=$HOSTS USERS=$USERS MSGS=$MSGS TRANSPORT=$TRANSPORT make -j$J, $(nproc) cpus"
echo "load before: $(uptime)"
rc=0
for phase in provision deploy run check; do
	t0=$(date +%s.%N)
	pm -j"$J" "$phase" HOSTS="$HOSTS" USERS="$USERS" MSGS="$MSGS" TRANSPORT="$TRANSPORT" >"$S/$phase.out" 2>&1 || rc=1
	t1=$(date +%s.%N)
	awk -v p="$phase" -v a="$t0" -v b="$t1" 'BEGIN { printf "%-9s %7.2f s\n", p, b - a }'
	[ "$rc" = 0 ] || { echo "bench-pipeline: make $phase failed:"; tail -n 5 "$S/$phase.out"; break; }
done
[ "$rc" = 0 ] && grep '^\[summary\]' "$S/check.out"
# The clients' own summaries: requests per message shows what polling and
# re-sending add; CPU shows where the run's time goes.
cat "$S"/results/h*/client.log 2>/dev/null | grep -h '^users=' |
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); t[kv[1]] += kv[2] } n++ }
	END { if (n) printf "clients: %d, sent %d, requests %d (%.2f per message), retries %d, http503 %d, cpu %.1f s (%.1f us per message)\n",
		n, t["sent"], t["requests"], t["requests"] / (t["sent"] ? t["sent"] : 1), t["retries"], t["http503"],
		t["cpu_s"], t["cpu_s"] * 1e6 / (t["sent"] ? t["sent"] : 1) }'
[ -s "$S/results/times.tsv" ] && echo "phase wall times (times.tsv):" && cut -f1,2 "$S/results/times.tsv" | sed 's/^/  /'
echo "load after:  $(uptime)"
t0=$(date +%s.%N)
pm -j"$J" destroy >"$S/destroy.out" 2>&1 || rc=1
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%-9s %7.2f s\n", "destroy", b - a }'
exit "$rc"
