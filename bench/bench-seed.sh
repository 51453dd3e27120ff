#!/usr/bin/env bash
# bench-seed: the seed's whole test on this machine: USERS=1,000,000 users,
# SAME 20, CROSS 10, MSGS 5 (about 150 M messages) on HOSTS loopback hosts,
# `make provision deploy run check report` with the pipeline's own stamps
# (the report's plots in SEED_DIR/results), then destroy. It runs detached
# (setsid, its own log) and resumes like any run: `make bench-seed` starts
# it, or, while it runs, says where it stands; run again after it died (a
# reboot, a kill), it carries on from the stamps. When it is done it prints
# the result (again on every later call, until SEED_AGAIN=1 starts a new
# one).
#
# Through the run a sampler records every SEED_SAMPLE s (5) to samples.tsv:
# the sum of the RSS of every process whose working directory is a host's
# (redis-server with its AOF-rewrite children, cellsrv, msgclient), the
# machine's available memory and swap in use, the bytes of the hosts' Redis
# directories (AOF), the cells' used_memory, AOF rewrites and their
# copy-on-write, the load and the messages acked so far.
#
# Settings (environment): SEED_HOSTS (4), SEED_USERS (1000000), SEED_MSGS (5),
# SEED_DIR (/var/tmp/cellstress-seed), SEED_FSYNC (everysec), SEED_NET
# (127.0.20), SEED_SAMPLE (5), SEED_FG=1 (run in the foreground, for the
# scaling rows), SEED_KEEP=1 (no destroy at the end), SEED_AGAIN=1.
set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BIN:=$TOP/bin}"
H=${SEED_HOSTS:-4} U=${SEED_USERS:-1000000} M=${SEED_MSGS:-5}
D=${SEED_DIR:-/var/tmp/cellstress-seed} FSYNC=${SEED_FSYNC:-everysec}
NET=${SEED_NET:-127.0.20} SAMPLE=${SEED_SAMPLE:-5}
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
export TOP BIN
LAYOUT="HOSTS=$H USERS=$U SAME=20 CROSS=10 MSGS=$M"

pm() {
	make -C "$TOP" --no-print-directory NET="$NET" FIRST=1 SSH_PORT=2220 APPENDFSYNC="$FSYNC" \
		HOSTS_DIR="$D/hosts" RESULTS="$D/results" RUN_DIR="$D/run" STATE="$D/state" $LAYOUT "$@"
}
alive() { [ -s "$D/bench.pid" ] && kill -0 "$(cat "$D/bench.pid")" 2>/dev/null; }

# sample: one line of samples.tsv (see the header).
sample() {
	local rss=0 pid cwd f line rest h addr info used=0 rw=0 cow=0 aofrw=0 acked=0 a
	for f in /proc/[0-9]*; do
		cwd=$(readlink "$f/cwd" 2>/dev/null) || continue
		case $cwd in "$D"/run/h*) ;; *) continue ;; esac
		read -r _ a _ < <(grep '^VmRSS:' "$f/status" 2>/dev/null) && rss=$((rss + a))
	done
	while read -r h addr _; do
		case $h in ''|'#'*) continue ;; esac
		info=$(redis-cli -h "$addr" -p 7379 INFO 2>/dev/null | tr -d '\r')
		used=$((used + $(echo "$info" | sed -n 's/^used_memory://p' | head -n 1 || echo 0) + 0))
		rw=$((rw + $(echo "$info" | sed -n 's/^aof_rewrite_in_progress://p' || echo 0) + 0))
		aofrw=$((aofrw + $(echo "$info" | sed -n 's/^aof_rewrites://p' || echo 0) + 0))
		a=$(echo "$info" | sed -n 's/^aof_last_cow_size://p'); a=${a:-0}
		[ "$a" -gt "$cow" ] && cow=$a
		line=$(grep -E '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$' "$D/run/$h/log/msgclient.log" 2>/dev/null | tail -n 1)
		[ -n "$line" ] && set -- $line && acked=$((acked + $5))
	done <"$D/hosts/inventory"
	printf '%s\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n' "$(date +%s)" "$rss" \
		"$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)" \
		"$(awk '/^SwapTotal:/ { t = $2 } /^SwapFree:/ { f = $2 } END { print t - f }' /proc/meminfo)" \
		"$(du -sb "$D"/run/h*/redis 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }')" \
		"$used" "$rw" "$aofrw" "$cow" "$acked" "$(cut -d' ' -f1 /proc/loadavg)"
}

sampler() {
	[ -s "$D/samples.tsv" ] || printf 'ts\trss_kb\tmem_available_kb\tswap_used_kb\tredis_dir_bytes\tused_memory\taof_rewriting\taof_rewrites\taof_last_cow_bytes\tacked\tload1\n' >"$D/samples.tsv"
	while :; do
		[ -s "$D/hosts/inventory" ] && sample >>"$D/samples.tsv"
		sleep "$SAMPLE"
	done
}

# result: the figures of a finished run, from results/, samples.tsv and the
# hosts (before destroy).
result() {
	local msgs cpu=0 h addr c rcpu
	msgs=$(sed -n '1s/.* received=\([0-9]*\) .*/\1/p' "$D/results/summary.txt")
	echo "bench-seed: $LAYOUT APPENDFSYNC=$FSYNC on $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	sed -n '$p' "$D/results/summary.txt"
	awk -F'\t' '{ t[$1] = $2 } END { printf "wall: deploy %.0f s + run %.0f s + check %.0f s = %.0f s (the seed: 7,444 s on 40 EC2 hosts)\n",
		t["deploy"], t["run"], t["check"], t["deploy"] + t["run"] + t["check"] }' "$D/results/times.tsv"
	awk -F'\t' -v m="$msgs" '$1 == "run" { r = $2 } END { if (r) printf "run: %.0f verified msgs/s\n", m / r }' "$D/results/times.tsv"
	# CPU: the clients' own (cpu_s), cellsrv's /metrics, Redis' INFO.
	while read -r h addr _; do
		case $h in ''|'#'*) continue ;; esac
		c=$(curl -s --max-time 5 "http://$addr:9500/metrics" | awk '$1 == "process_cpu_seconds_total" { print $2 }')
		rcpu=$(redis-cli -h "$addr" -p 7379 INFO cpu 2>/dev/null | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { print s + 0 }')
		cpu=$(echo "$cpu + ${c:-0} + ${rcpu:-0}" | bc -l)
	done <"$D/hosts/inventory"
	c=$(grep -h '^users=' "$D"/results/h*/client.log | sed 's/.*cpu_s=\([0-9.]*\).*/\1/' | paste -sd+ | bc -l)
	echo "CPU: $(printf '%.0f' "$(echo "($cpu + $c) * 1000000 / $msgs" | bc -l)") us per message (redis-server + cellsrv + msgclient, $(printf '%.0f' "$(echo "$cpu + $c" | bc -l)") s in all)"
	awk -F'\t' -v m="$msgs" 'NR > 1 { if ($2 > rss) rss = $2; if (!avail || $3 < avail) avail = $3; if ($4 > swap) swap = $4
		if ($5 > disk) disk = $5; if ($6 > used) used = $6; if ($9 > cow) cow = $9; rw = $8; last = $5 }
		END { printf "memory: peak sum of RSS %.2f GiB, least available %.2f GiB, swap used at most %d kB\n", rss / 1048576, avail / 1048576, swap
		      printf "Redis: used_memory %.2f GiB at most (%.0f B per message), %d AOF rewrites, largest copy-on-write %.0f MB\n", used / 1073741824, used / m, rw, cow / 1048576
		      printf "disk: Redis directories %.2f GiB at most, %.2f GiB at the end: %.0f B per message\n", disk / 1073741824, last / 1073741824, last / m }' "$D/samples.tsv"
}

body() {
	echo $$ >"$D/bench.pid"
	echo "bench-seed: started $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
	sampler &
	SAMPLER=$!   # global: the EXIT trap runs after body has returned
	local phase rc=0
	trap 'kill "$SAMPLER" 2>/dev/null' EXIT
	for phase in provision deploy run check report; do
		echo "bench-seed: make $phase ($(date -u '+%H:%M:%S'))"
		pm -j"$H" "$phase" || { rc=1; break; }
	done
	if [ "$rc" = 0 ]; then
		result | tee "$D/result.tmp" && mv "$D/result.tmp" "$D/result.txt"
		echo "bench-seed: done $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
		[ "${SEED_KEEP:-0}" = 1 ] || pm destroy >/dev/null
	else
		echo "bench-seed: make $phase failed; make bench-seed resumes"
	fi
	rm -f "$D/bench.pid"
	return "$rc"
}

mkdir -p "$D" || exit 1
if [ "${1:-}" = body ]; then body; exit; fi
if alive; then
	echo "bench-seed: running (pid $(cat "$D/bench.pid")), log $D/bench.log"
	tail -n 3 "$D/bench.log"
	[ -s "$D/samples.tsv" ] && tail -n 1 "$D/samples.tsv" | awk -F'\t' '{ printf "last sample: %s acked, RSS %.2f GiB, Redis dirs %.2f GiB, load %s\n", $10, $2 / 1048576, $5 / 1073741824, $11 }'
	exit 0
fi
if [ -s "$D/result.txt" ] && [ "${SEED_AGAIN:-0}" != 1 ]; then
	cat "$D/result.txt"
	echo "(SEED_AGAIN=1 runs it again; the log is $D/bench.log)"
	exit 0
fi
if [ "${SEED_AGAIN:-0}" = 1 ]; then
	pm destroy >/dev/null 2>&1
	rm -rf "$D/results" "$D/samples.tsv" "$D/result.txt" "$D/bench.log"
fi
if [ "${SEED_FG:-0}" = 1 ]; then
	body 2>&1 | tee -a "$D/bench.log"
	exit "${PIPESTATUS[0]}"
fi
setsid nohup bash "$0" body >>"$D/bench.log" 2>&1 </dev/null &
sleep 1
echo "bench-seed: started in the background (pid $(cat "$D/bench.pid" 2>/dev/null)); follow it with"
echo "  tail -f $D/bench.log      or: make bench-seed (where it stands, or the result)"
