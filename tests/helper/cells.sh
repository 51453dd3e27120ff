# cells.sh: a local cluster of cells (redis-server + cellsrv each, data from
# gen-users -k | redis-bulkload) for the msgclient/checkdb tests and for
# bench/bench-core.sh. Source tests/helper/lib.sh first (for $T, track, start_redis).
# cells_setup NCELLS USERS SAME CROSS FIRST_ADDR: cell c on 127.0.3.(FIRST+c-1),
# inventory in $T/inv (cs-inventory's), redis pids in RP[c]; cellsrv_start C: CS[c].
declare -a ADDR RP CS

cells_setup() {
	local n=$1 users=$2 same=$3 cross=$4 first=$5 c
	cs-inventory -n "$users" -c "$n" -a 127.0.3 -f "$first" >"$T/inv" || return 1
	for c in $(seq "$n"); do
		ADDR[$c]=127.0.3.$((first + c - 1))
		start_redis "${ADDR[$c]}" 7379 || return 1
		RP[$c]=$REDIS_PID
	done
	for c in $(seq "$n"); do
		gen-users -n "$users" -c "$n" -s "$same" -x "$cross" -k "$c" |
			redis-bulkload -h "${ADDR[$c]}" -p 7379 >"$T/load$c" || return 1
	done
}

# cellsrv_start C [args]: start cell C's cellsrv, wait until /healthz answers.
cellsrv_start() {
	local c=$1 i; shift
	cellsrv -i "$T/inv" -k "$c" "$@" 2>>"$T/cellsrv$c.log" &
	CS[$c]=$!
	track "${CS[$c]}"
	for i in $(seq 200); do
		curl -sf "http://${ADDR[$c]}:9500/healthz" >/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# sent_of FILE: the "sent" column of the last progress line of a msgclient.
sent_of() { awk 'NF == 7 { s = $4 } END { print s + 0 }' "$1" 2>/dev/null; }

# wait_sent FILE N SECS: until msgclient's progress shows at least N sent.
wait_sent() {
	local i
	for i in $(seq $(($3 * 10))); do
		[ "$(sent_of "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
