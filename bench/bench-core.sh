# bench-core: the cell core at full speed on this machine. CELLS cells
# (redis-server + cellsrv each) on 127.0.3.40.., USERS users (SAME, CROSS)
# loaded with gen-users | redis-bulkload, one msgclient per cell sending MSGS
# messages to every friend. Prints verified messages per second (from the
# clients' start to the last client's exit; only messages checkdb verified
# count), CPU seconds per 1,000 messages for each process kind (utime+stime
# from /proc/PID/stat for servers, getrusage for clients), peak RSS (VmHWM)
# of each process, and the load average before and after.
# Overrides: CELLS USERS SAME CROSS MSGS CONNS (msgclient -C; its default when unset), MCARGS,
# CSARGS (extra msgclient / cellsrv flags), PERF=1 (perf record every
# cellsrv, redis-server and msgclient; reports in $KEEP if set).
set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$TOP/tests/helper/lib.sh"
. "$TOP/tests/helper/cells.sh"
CELLS=${CELLS:-4} USERS=${USERS:-10000} SAME=${SAME:-20} CROSS=${CROSS:-10} MSGS=${MSGS:-5}
CONNS=${CONNS:-} MCARGS=${MCARGS:-} CSARGS=${CSARGS:-} PERF=${PERF:-0}

echo "bench-core: $CELLS cells, $USERS users, SAME $SAME, CROSS $CROSS, MSGS $MSGS, msgclient ${CONNS:+-C $CONNS }$MCARGS"
echo "load before: $(uptime)"
cells_setup "$CELLS" "$USERS" "$SAME" "$CROSS" 40 || { echo "bench-core: setup failed" >&2; exit 1; }
for c in $(seq "$CELLS"); do
	# shellcheck disable=SC2086
	cellsrv_start "$c" -q $CSARGS || { echo "bench-core: cellsrv $c did not start" >&2; exit 1; }
done
rel=$(sed 's/.*relations=\([0-9]*\).*/\1/' "$T"/load* | paste -sd+ | bc)
echo "loaded: relations=$rel expected messages=$((rel * MSGS))"

cpu() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat"; }
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
declare -a C0R C0S MC
for c in $(seq "$CELLS"); do C0R[$c]=$(cpu "${RP[$c]}"); C0S[$c]=$(cpu "${CS[$c]}"); done
if [ "$PERF" = 1 ]; then
	pp=$(for c in $(seq "$CELLS"); do printf '%s,%s,' "${RP[$c]}" "${CS[$c]}"; done)
	perf record -g -o "$T/perf.servers" -p "${pp%,}" >/dev/null 2>&1 &
	PERFPID=$!
fi

t0=$(date +%s.%N)
for c in $(seq "$CELLS"); do
	# shellcheck disable=SC2086
	if [ "$PERF" = 1 ]; then
		perf record -g -o "$T/perf.mc$c" msgclient -i "$T/inv" -k "$c" -m "$MSGS" ${CONNS:+-C "$CONNS"} -q $MCARGS \
			>"$T/mc$c.out" 2>"$T/mc$c.err" &
	else
		msgclient -i "$T/inv" -k "$c" -m "$MSGS" ${CONNS:+-C "$CONNS"} -q $MCARGS >"$T/mc$c.out" 2>"$T/mc$c.err" &
	fi
	MC[$c]=$!
	track "${MC[$c]}"
done
fail=0
for c in $(seq "$CELLS"); do
	wait "${MC[$c]}" || { fail=1; echo "msgclient $c failed: $(tail -n 2 "$T/mc$c.err")"; }
done
t1=$(date +%s.%N)
[ "$PERF" = 1 ] && { kill -INT "$PERFPID"; wait "$PERFPID"; }
echo "load after:  $(uptime)"

secs=$(echo "$t1 - $t0" | bc -l)
verified=0 rcpu=0 scpu=0 mcpu=0 rhwm="" shwm="" mhwm=""
for c in $(seq "$CELLS"); do
	rcpu=$(echo "$rcpu + $(cpu "${RP[$c]}") - ${C0R[$c]}" | bc -l)
	scpu=$(echo "$scpu + $(cpu "${CS[$c]}") - ${C0S[$c]}" | bc -l)
	rhwm="$rhwm $(hwm "${RP[$c]}")"
	shwm="$shwm $(hwm "${CS[$c]}")"
	s=$(grep '^users=' "$T/mc$c.out")
	mcpu=$(echo "$mcpu + $(echo "$s" | sed 's/.*cpu_s=\([0-9.]*\).*/\1/')" | bc -l)
	mhwm="$mhwm $(echo "$s" | sed 's/.*maxrss_kb=\([0-9]*\).*/\1/')"
	echo "msgclient $c: $s"
	if checkdb -i "$T/inv" -k "$c" -m "$MSGS" >"$T/check$c"; then
		verified=$((verified + $(tail -n 1 "$T/check$c" | sed 's/.* received=\([0-9]*\) .*/\1/')))
	else
		fail=1
	fi
	echo "checkdb $c: $(tail -n 1 "$T/check$c")"
done
k=$(echo "$verified / 1000" | bc -l)
[ "$verified" -gt 0 ] || k=1
printf 'verified messages: %d of %d in %.2f s = %.0f msgs/s%s\n' "$verified" $((rel * MSGS)) "$secs" \
	"$(echo "$verified / $secs" | bc -l)" "$([ $fail = 0 ] || echo ' (CHECK FAILED)')"
printf 'CPU s per 1000 msgs: redis-server %.3f  cellsrv %.3f  msgclient %.3f  total %.3f (%.0f us/msg)\n' \
	"$(echo "$rcpu / $k" | bc -l)" "$(echo "$scpu / $k" | bc -l)" "$(echo "$mcpu / $k" | bc -l)" \
	"$(echo "($rcpu + $scpu + $mcpu) / $k" | bc -l)" "$(echo "($rcpu + $scpu + $mcpu) / $k * 1000" | bc -l)"
echo "CPU s total: redis-server $rcpu  cellsrv $scpu  msgclient $mcpu"
echo "peak RSS kB: redis-server$rhwm | cellsrv$shwm | msgclient$mhwm"
if [ "$PERF" = 1 ]; then
	out=${KEEP:-$T}
	mkdir -p "$out"
	# Flat profiles: share of samples by process kind and object (kernel,
	# libc, libevent, redis...), then the top symbols of each kind.
	perf report -i "$T/perf.servers" -g none --no-children --sort comm,dso --stdio 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -30 >"$out/perf-servers-dso.txt"
	perf report -i "$T/perf.servers" -g none --no-children --comms cellsrv --sort sym --stdio 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -40 >"$out/perf-cellsrv.txt"
	perf report -i "$T/perf.servers" -g none --no-children --comms redis-server --sort sym --stdio 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -40 >"$out/perf-redis.txt"
	perf report -i "$T/perf.mc1" -g none --no-children --sort dso --stdio 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -12 >"$out/perf-msgclient-dso.txt"
	perf report -i "$T/perf.mc1" -g none --no-children --sort dso,sym --stdio 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -40 >"$out/perf-msgclient.txt"
	echo "perf reports: $out/perf-servers-dso.txt $out/perf-msgclient-dso.txt $out/perf-cellsrv.txt $out/perf-redis.txt $out/perf-msgclient.txt"
fi
exit $fail
