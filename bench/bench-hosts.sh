#!/usr/bin/env bash
# bench-hosts: what hosts cost. The same users run on 4 hosts, then on 40
# (HOSTS_LIST), each `make provision deploy run check` on loopback
# (TRANSPORT=local, 127.0.21.x), and for each run phase: verified msgs/s (over
# the run on the hosts, run_s; make_s is the whole make run, starting the
# clients included), and
# per message: CPU of each kind of process (redis-server and cellsrv from
# /proc, msgclient from its summary), system calls and context switches of
# the whole machine (perf stat -a, tracepoint raw_syscalls:sys_enter), Redis
# calls (cellsrv's cellsrv_redis_calls_total), HTTP requests (msgclient's
# requests=) and peer lines written (cellsrv_peer_lines_out_total). Overrides: USERS (40000), MSGS (1),
# HOSTS_LIST ("4 40"), EVENTS (system calls and tracepoints also counted by
# name).
set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BIN:=$TOP/bin}"
USERS=${USERS:-40000} MSGS=${MSGS:-1} HOSTS_LIST=${HOSTS_LIST:-4 40}
# Events also counted one by one, per message: a bare name is a system
# call, a name with a colon any perf tracepoint (wakeups, IPIs).
EVENTS=${EVENTS-epoll_wait epoll_ctl read write readv writev sched:sched_wakeup ipi:ipi_send_cpu irq_vectors:reschedule_entry irq_vectors:local_timer_entry}
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
S=$(mktemp -d "${TMPDIR:-/tmp}/bench-hosts.XXXXXX")
pm() {
	make -C "$TOP" --no-print-directory NET=127.0.21 FIRST=1 HOSTS_DIR="$S/hosts" RESULTS="$S/results" \
		RUN_DIR="$S/run" STATE="$S/state" USERS="$USERS" MSGS="$MSGS" "$@"
}
trap 'pm destroy >/dev/null 2>&1; rm -rf "$S"' EXIT
trap 'exit 130' INT TERM
command -v perf >/dev/null || { echo "bench-hosts: needs perf (make deps-bench)" >&2; exit 1; }

# cpu KIND: CPU seconds of the running processes named KIND under $S/run.
cpu() {
	local f s=0
	for f in $(cat "$S"/run/h*/pid/"$1".pid 2>/dev/null); do
		[ -r "/proc/$f/stat" ] && s=$(awk -v s="$s" '{ sub(/.*\) /, ""); print s + ($12 + $13) / 100 }' "/proc/$f/stat")
	done
	echo "$s"
}
# metric NAME: the sum over every cellsrv of a /metrics sample (labels summed).
metric() {
	local a s=0 v
	for a in $(awk '!/^#/ && NF { print $2 }' "$S/hosts/inventory"); do
		v=$(curl -s --max-time 5 "http://$a:9500/metrics" | awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2 } END { print s + 0 }')
		s=$(echo "$s + $v" | bc -l)
	done
	echo "$s"
}

echo "bench-hosts: USERS=$USERS MSGS=$MSGS, hosts $HOSTS_LIST, $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %9s %8s %7s | %8s %8s %8s | %8s %8s | %6s %6s %6s | %7s\n' hosts msgs/s run_s make_s redis_us cellsrv mclient syscalls ctxsw fcalls http lines idle_cpu
for H in $HOSTS_LIST; do
	pm destroy >/dev/null 2>&1
	pm -j"$H" provision deploy HOSTS="$H" >"$S/deploy.out" 2>&1 || { echo "deploy of $H hosts failed"; tail -n 3 "$S/deploy.out"; exit 1; }
	# The cost of being there: CPU of the idle cluster (timers, heartbeats,
	# Redis' cron) over IDLE seconds before the run.
	i0=$(echo "$(cpu redis) + $(cpu cellsrv)" | bc -l); sleep "${IDLE:-10}"; i1=$(echo "$(cpu redis) + $(cpu cellsrv)" | bc -l)
	idle=$(echo "($i1 - $i0) * 100 / ${IDLE:-10}" | bc -l)
	r0=$(cpu redis) c0=$(cpu cellsrv) f0=$(metric cellsrv_redis_calls_total) l0=$(metric cellsrv_peer_lines_out_total)
	perf stat -a -x, -e raw_syscalls:sys_enter,context-switches$(for e in $EVENTS; do case $e in *:*) printf ',%s' "$e" ;; *) printf ',syscalls:sys_enter_%s' "$e" ;; esac; done) -o "$S/perf.$H" &
	pp=$!
	t0=$(date +%s.%N)
	pm -j"$H" run >"$S/run.out" 2>&1 || { echo "run of $H hosts failed"; tail -n 3 "$S/run.out"; exit 1; }
	t1=$(date +%s.%N)
	kill -INT "$pp"; wait "$pp" 2>/dev/null
	r1=$(cpu redis) c1=$(cpu cellsrv) f1=$(metric cellsrv_redis_calls_total) l1=$(metric cellsrv_peer_lines_out_total)
	pm -j"$H" check >"$S/check.out" 2>&1 || { echo "check of $H hosts failed"; tail -n 3 "$S/check.out"; exit 1; }
	m=$(sed -n '1s/.* received=\([0-9]*\) .*/\1/p' "$S/results/summary.txt")
	run=$(awk -F'\t' '$1 == "run" { r = $2 } END { print r }' "$S/results/times.tsv")
	mc=$(grep -h '^users=' "$S"/results/h*/client.log | sed 's/.*cpu_s=\([0-9.]*\).*/\1/' | paste -sd+ | bc -l)
	req=$(grep -h '^users=' "$S"/results/h*/client.log | sed 's/.*requests=\([0-9]*\).*/\1/' | paste -sd+ | bc)
	sc=$(awk -F, '/raw_syscalls/ { print $1 }' "$S/perf.$H") cs=$(awk -F, '/context-switches/ { print $1 }' "$S/perf.$H")
	printf '%-5s %9.0f %8.1f %7.1f | %8.1f %8.1f %8.1f | %8.2f %8.2f | %6.3f %6.2f %6.2f | %6.1f%%\n' "$H" \
		"$(echo "$m / $run" | bc -l)" "$run" "$(echo "$t1 - $t0" | bc -l)" \
		"$(echo "($r1 - $r0) * 1000000 / $m" | bc -l)" "$(echo "($c1 - $c0) * 1000000 / $m" | bc -l)" \
		"$(echo "$mc * 1000000 / $m" | bc -l)" "$(echo "${sc:-0} / $m" | bc -l)" "$(echo "${cs:-0} / $m" | bc -l)" \
		"$(echo "($f1 - $f0) / $m" | bc -l)" "$(echo "$req / $m" | bc -l)" "$(echo "($l1 - $l0) / $m" | bc -l)" "$idle"
	# EVENTS of the whole machine, per message.
	awk -F, -v m="$m" -v h="$H" '$3 ~ /:/ && $3 !~ /^raw_syscalls/ { sub(/^syscalls:sys_enter_/, "", $3); l = l sprintf(" %s=%.2f", $3, $1 / m) } END { if (l != "") print "  " h " hosts, per message:" l }' "$S/perf.$H"
	pm destroy >/dev/null 2>&1
done
echo "run_s: the run phase on the hosts (first release to last end), msgs/s from it; make_s: the whole make run here, starting the clients included"
echo "per message: CPU in us (redis-server, cellsrv, msgclient), system calls and context switches of the machine, Redis calls of cellsrv, HTTP requests of the clients, peer lines written; idle_cpu: redis-server + cellsrv of the deployed cluster before the run, % of one core"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
