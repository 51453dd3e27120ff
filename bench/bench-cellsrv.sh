# bench-cellsrv: CPU cost of cellsrv and its redis-server per SEND. Two cells
# on 127.0.2.40/41 (USERS users each; every user has a friend in its own cell
# and one in the other), driven by wrk (one thread, CONNS keep-alive
# connections per cell) for SECS seconds; every third message crosses cells.
# Prints requests/s, messages accepted, delivered and acked, and CPU
# microseconds per accepted message for each process. Needs wrk (apt).
set -eu
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}" "${BIN:=$TOP/bin}"
USERS=${USERS:-2000} SECS=${SECS:-10} CONNS=${CONNS:-32}
command -v wrk >/dev/null || { echo "bench-cellsrv: needs wrk (apt-get install wrk)" >&2; exit 1; }
T=$(mktemp -d /tmp/bench-cellsrv.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; sleep 0.3; rm -rf "$T"' EXIT
A=(x 127.0.2.40 127.0.2.41)
printf 'h01 %s 1 1 %d\nh02 %s 2 %d %d\n' ${A[1]} $USERS ${A[2]} $((USERS + 1)) $((2 * USERS)) >"$T/inv"
for c in 1 2; do
	mkdir "$T/r$c"
	redis-server --bind ${A[$c]} --port 7379 --dir "$T/r$c" --save '' --appendonly no \
		--logfile "$T/r$c/log" >/dev/null &
	pids="$pids $!"; eval "RP$c=$!"
done
sleep 0.5
for c in 1 2; do
	lo=$(( (c - 1) * USERS + 1 )) hi=$((c * USERS))
	awk -v lo=$lo -v hi=$hi -v n=$USERS 'BEGIN {
		for (u = lo; u <= hi; u++) {
			same = u == hi ? lo : u + 1; prev = u == lo ? hi : u - 1
			other = u <= n ? u + n : u - n
			printf "HSET u:%d SendId 0 SendAckId 0 ReceiveId 0 ClientReceiveId 0\r\n", u
			printf "SADD f:%d %d %d %d\r\n", u, same, prev, other } }' |
		redis-cli -h ${A[$c]} -p 7379 --pipe >/dev/null
done
for c in 1 2; do
	"$BIN/cellsrv" -i "$T/inv" -k $c -q &
	pids="$pids $!"; eval "CP$c=$!"
done
for c in 1 2; do
	for _ in $(seq 100); do curl -sf http://${A[$c]}:9500/healthz >/dev/null && break; sleep 0.05; done
done
cat >"$T/send.lua" <<'LUA'
local lo, n, i = tonumber(os.getenv("LO")), tonumber(os.getenv("NU")), 0
request = function()
	local u, k = lo + i % n, math.floor(i / n) + 1
	local f
	i = i + 1
	if k % 3 == 0 then f = u <= n and u + n or u - n
	elseif u == lo + n - 1 then f = lo else f = u + 1 end
	return wrk.format("GET", "/api/c/" .. u .. "/" .. f .. "/" .. k .. "/?message=" ..
	    u .. "-" .. f .. "-" .. k)
end
LUA
cpu() { awk '{ print $14 + $15 }' /proc/$1/stat; }
for p in $CP1 $CP2 $RP1 $RP2; do eval "c0_$p=$(cpu $p)"; done
t0=$(date +%s.%N)
for c in 1 2; do
	LO=$(( (c - 1) * USERS + 1 )) NU=$USERS wrk -t1 -c$CONNS -d${SECS}s -s "$T/send.lua" \
		http://${A[$c]}:9500 >"$T/wrk$c" 2>&1 &
	eval "W$c=$!"
done
wait $W1 $W2
t1=$(date +%s.%N)
sleep 1
tick=$(getconf CLK_TCK)
metric() { curl -s http://${A[$1]}:9500/metrics | awk -v m="$2" '$1 == m { print $2 }'; }
acc=0 dlv=0 ack=0
for c in 1 2; do
	acc=$((acc + $(metric $c 'cellsrv_sends_total{result="accepted"}')))
	dlv=$((dlv + $(metric $c cellsrv_deliveries_total)))
	ack=$((ack + $(metric $c cellsrv_acks_total)))
done
echo "bench-cellsrv: users=$((2 * USERS)) secs=$SECS conns=$CONNS load: $(uptime | sed 's/.*load average: //')"
for c in 1 2; do echo "wrk cell $c: $(grep -E 'Requests/sec|Non-2xx' "$T/wrk$c" | tr -s ' ' | paste -sd' ')"; done
echo "accepted=$acc delivered=$dlv acked=$ack wall=$(echo "$t1 - $t0" | bc) msgs/s=$(echo "$acc / ($t1 - $t0)" | bc)"
tot=0
for x in "cellsrv1 $CP1" "cellsrv2 $CP2" "redis1 $RP1" "redis2 $RP2"; do
	set -- $x
	eval "d=\$(( \$(cpu $2) - c0_$2 ))"
	tot=$((tot + d))
	echo "$1: cpu=$(echo "scale=2; $d / $tick" | bc)s us/msg=$(echo "scale=2; $d * 1000000 / $tick / $acc" | bc)"
done
for c in 1 2; do
	redis-cli -h ${A[$c]} -p 7379 INFO commandstats | tr -d '\r' | awk -F'[:,=]' -v c=$c '
		$1 ~ /^cmdstat_/ { printf "  %s calls=%s usec_per_call=%s\n", $1, $3, $7 }
		$1 == "cmdstat_fcall" { fc = $3; fu = $5; fp = $7 }
		$1 ~ /^cmdstat_/ && $1 != "cmdstat_fcall" && $1 != "cmdstat_info" { n += $3 }
		END { printf "redis%d: FCALLs=%d usec_per_fcall=%s (inside Redis) commands_per_fcall=%.1f\n", c, fc, fp, n / fc }'
done
echo "cellsrv+redis: us/msg=$(echo "scale=2; $tot * 1000000 / $tick / $acc" | bc)"
