# t0700-stat-collect: stat-collect against stand-ins serving fixed /metrics
# answers in turn (tests/helper/metrics-server.py: every key of the line
# format computed from known counters, an identity clash at the first
# scrape, a restart, a malformed answer, a hung host) and against real
# cellsrvs under load: SIGSTOP makes a host stale then down within 2 ticks
# while the others miss none, SIGCONT brings it back, a restarted cellsrv is
# a restart and never a negative count; SIGTERM and -w's process ending
# give a last tick; -P's scrape config passes promtool; it runs at nice -10
# when allowed, or higher when started there.
. "$(dirname "$0")/helper/lib.sh"
. "$(dirname "$0")/helper/cells.sh"

# -- usage ------------------------------------------------------------------
expect_fail 2 '^usage: stat-collect' "no inventory: usage" stat-collect
expect_fail 2 'must end within the tick' "-T not shorter than the tick: usage" stat-collect -i x -t 1 -T 1000
expect_fail 1 "stat-collect: .*$T/nope" "a missing inventory is named" stat-collect -i "$T/nope" -n 1

# -- the scrape config (-P) ---------------------------------------------------
printf 'h01 127.0.8.1 1 1 10\nh02 127.0.8.2 2 11 20\nh03 127.0.8.3 3 21 30\n' >"$T/inv"
run stat-collect -P -i "$T/inv"
is "$rc $(grep -c "targets: \['127.0.8.[123]:950[03]'\]" "$T/out")" "0 6" "-P: a cellsrv and a msgclient target per host"
cp "$T/out" "$T/prom.yml"
run promtool check config "$T/prom.yml"
ok "$rc" "-P: promtool check config accepts it"
stat-collect -P -i "$T/inv" -x socks5h://127.0.0.1:9599 >"$T/prom2.yml"
run promtool check config "$T/prom2.yml"
is "$rc $(grep -c 'proxy_url: socks5://127.0.0.1:9599' "$T/prom2.yml")" "0 2" "-P -x: each job goes through the proxy"

# -- stand-ins ------------------------------------------------------------------
# serve ADDR PORT DIR: metrics-server.py on ADDR:PORT answering from DIR.
serve() {
	python3 "$TOP/tests/helper/metrics-server.py" "$1" "$2" "$3" &
	track $!
	wait_port "$1" "$2" 10 || diag "metrics-server on $1:$2 did not start"
}
# node NAME CELL INSTANCE ADDR START: the identity lines of a cellsrv.
ident() {
	printf 'cellstress_host_info{name="%s",cell="%s",addr="%s",port="9500",build="t0700",instance="%s"} 1\n' "$1" "$2" "$4" "$3"
	printf 'process_start_time_seconds %s\n' "$5"
}
# cpu USER NICE SYSTEM IOWAIT STEAL IDLE: node_cpu_seconds_total of 2 CPUs
cpu() {
	local c
	for c in 0 1; do
		printf 'node_cpu_seconds_total{cpu="%s",mode="%s"} %s\n' $c user "$1" $c nice "$2" $c system "$3" \
			$c iowait "$4" $c steal "$5" $c idle "$6" $c irq 0 $c softirq 0
	done
}
mkdir -p "$T/f1" "$T/f2" "$T/f3" "$T/c1"
{
	ident h01 1 i1 127.0.8.1 1700000000
	cat <<'EOF'
# HELP cellsrv_sends_total SEND requests by result.
# TYPE cellsrv_sends_total counter
cellsrv_sends_total{result="accepted"} 100
cellsrv_sends_total{result="retransmitted"} 2
cellsrv_acks_total 90
cellsrv_deliveries_total 80
cellsrv_http_responses_total{code="200"} 500
cellsrv_http_responses_total{code="503"} 1
cellsrv_send_ack_seconds_bucket{le="0.001"} 10
cellsrv_send_ack_seconds_bucket{le="0.002"} 50
cellsrv_send_ack_seconds_bucket{le="0.005"} 90
cellsrv_send_ack_seconds_bucket{le="+Inf"} 90
cellsrv_send_ack_seconds_sum 0.2
cellsrv_send_ack_seconds_count 90
process_cpu_seconds_total 1.5
node_load1 0.5
node_memory_available_bytes 1000000
node_memory_total_bytes 4000000
process_resident_memory_bytes 3000000
redis_memory_used_bytes 2000000
redis_memory_used_rss_bytes 2500000
redis_loading_dump_file 0
redis_aof_last_write_status 1
cellsrv_redis_up 1
cellsrv_peer_up{cell="2"} 1
cellsrv_peer_up{cell="3"} 1
EOF
	cpu 100 1 20 3 5 500
} >"$T/f1/1"
sed -e 's/accepted"} 100/accepted"} 160/; s/^cellsrv_acks_total 90/cellsrv_acks_total 150/' \
    -e 's/deliveries_total 80/deliveries_total 130/; s/code="503"} 1/code="503"} 3/' \
    -e 's/le="0.002"} 50/le="0.002"} 70/; s/le="0.005"} 90/le="0.005"} 150/; s/le="+Inf"} 90/le="+Inf"} 151/' \
    -e 's/^process_cpu_seconds_total 1.5/process_cpu_seconds_total 1.8/; s/loading_dump_file 0/loading_dump_file 1/' \
    -e 's/last_write_status 1/last_write_status 0/; s/peer_up{cell="3"} 1/peer_up{cell="3"} 0/' \
    -e '/node_cpu/d' "$T/f1/1" >"$T/f1/2"
cpu 103 1 21 3 7 501 >>"$T/f1/2"
cat >"$T/c1/1" <<'EOF'
cellstress_client_info{name="h01",cell="1",instance="c1"} 1
msgclient_users{state="all"} 10
msgclient_users{state="done"} 2
msgclient_users{state="failed"} 0
msgclient_messages_expected 1000
msgclient_messages_sent 400
msgclient_messages_acked 300
msgclient_messages_received 250
msgclient_resends_total 5
process_cpu_seconds_total 0.5
process_resident_memory_bytes 9000000
EOF
sed -e 's/acked 300/acked 360/; s/resends_total 5/resends_total 7/; s/seconds_total 0.5/seconds_total 0.7/' "$T/c1/1" >"$T/c1/2"
{ ident h02 2 i2 127.0.8.2 1700000000; echo 'cellsrv_sends_total{result="accepted"} 1000'; } >"$T/f2/1"
{ ident h02 2 i2 127.0.8.2 1700000000; echo 'cellsrv_sends_total{result="accepted"} 1100'; } >"$T/f2/2"
{ ident h02 2 i2b 127.0.8.2 1700000500; echo 'cellsrv_sends_total{result="accepted"} 30'; } >"$T/f2/3"
cp "$T/f2/1" "$T/f3/1"                          # h03's address answers as h02
cp "$T/f2/2" "$T/f3/2"
printf 'cellsrv_acks_total 5\ncellsrv_acks_total abc\n' >"$T/f3/3"
: >"$T/f3/4.hang"
{ ident h03 3 i3 127.0.8.3 1700000000; echo 'cellsrv_acks_total 7'; } >"$T/f3/5"
serve 127.0.8.1 9500 "$T/f1"
serve 127.0.8.2 9500 "$T/f2"
serve 127.0.8.3 9500 "$T/f3"
serve 127.0.8.1 9503 "$T/c1"

run stat-collect -i "$T/inv" -t 1 -n 5
ok "$rc" "5 ticks of 3 stand-ins: status 0"
is "$(grep -c '^# stat-collect interval=1 ' "$T/out") $(grep -vc '^#' "$T/out")" "1 15" "a header, then one line per host per tick"
line() { grep -v '^#' "$T/out" | awk -F'\t' -v h="$1" '$2 == h' | sed -n "$2p" | cut -f3-; }
is "$(line h01 1 | cut -f1)" up "h01's first line: up"
ok "$(line h01 1 | grep -qv 'dt='; echo $?)" "h01's first line has no counts (nothing to count from)"
l2=$(line h01 2)
want="sent=60 retx=0 acks=60 dlv=50 e5=2 cpu=0.300 usr=6.000 sys=2.000 iow=0.000 stl=4.000 idl=2.000"
is "$(printf '%s\n' "$l2" | tr '\t' '\n' | grep -E '^(sent|retx|acks|dlv|e5|cpu|usr|sys|iow|stl|idl)=' | tr '\n' ' ')" "$want " \
	"h01's counts over dt: cellsrv's, and the host's CPU seconds of both CPUs (user+nice, system+irq+softirq)"
is "$(printf '%s\n' "$l2" | tr '\t' '\n' | grep -E '^lat=')" "lat=0.001:0,0.002:20,0.005:40,+Inf:1" \
	"latency: the buckets' deltas, each counted bucket with the one below it"
is "$(printf '%s\n' "$l2" | tr '\t' '\n' | grep -E '^(ncpu|load|mavail|mtotal|rss|rrss|rmem|loading|aof|redis|peers)=' | tr '\n' ' ')" \
	"ncpu=2 load=0.50 mavail=1000000 mtotal=4000000 rss=3000000 rrss=2500000 rmem=2000000 loading=1 aof=err redis=1 peers=1/2 " \
	"h01's gauges: CPUs, load, memory, RSS, Redis loading and its AOF failing, a peer link down"
is "$(printf '%s\n' "$l2" | tr '\t' '\n' | grep -E '^c' | grep -v '^cpu=' | tr '\n' ' ')" \
	"c=up c_users=10 c_done=2 c_failed=0 c_exp=1000 c_sent=400 c_acked=360 c_recv=250 c_retx=2 c_cpu=0.200 c_rss=9000000 " \
	"h01's client: its gauges and its counts"
is "$(line h01 1 | tr '\t' '\n' | grep -E '^(id|build|start)=' | tr '\n' ' ')" "id=i1 build=t0700 start=1700000000 " \
	"the first line says who answered"
ok "$(line h01 2 | grep -qv 'id='; echo $?)" "... and the next ones do not repeat it"
is "$(line h02 1 | tr '\t' '\n' | grep -c '^c=off$')" 1 "a host without a client: c=off"
is "$(line h03 1 | tr '\t' '\n' | grep '^clash=' | cut -d, -f1-3)" "clash=name:h02,cell:2,addr:127.0.8.2" \
	"h03's address answered by h02: a clash at the first scrape"
is "$(line h03 2 | tr '\t' '\n' | grep '^clash=')" "clash=name:h02,cell:2,addr:127.0.8.2,instance:h02" \
	"... at every scrape while it lasts, with the process it shares with h02"
is "$(line h02 3 | tr '\t' '\n' | grep -E '^(restart|sent|id)=' | tr '\n' ' ')" "restart=cellsrv sent=30 id=i2b " \
	"h02 restarted (another instance, counters from 0): restart, sent counted from the restart"
is "$(line h03 3 | cut -f1,2)" "stale	err=bad_metrics_line_2" "a malformed answer: stale, naming its line"
is "$(line h03 4 | cut -f1,2)" "down	err=timeout" "no answer a second tick in a row: down"
is "$(line h03 5 | cut -f1)" up "an answer again: up"
is "$(grep -c '=-' "$T/out")" 0 "no negative value anywhere"

# a cellsrv that comes up while watched: its first answer counts from zero
printf 'h01 127.0.8.1 1 1 10\nh04 127.0.8.4 2 11 20\n' >"$T/inv4"
mkdir -p "$T/f4"
{ ident h04 2 i4 127.0.8.4 1700000000; echo 'cellsrv_sends_total{result="accepted"} 42'; } >"$T/f4/1"
stat-collect -i "$T/inv4" -t 1 -n 4 -c 0 >"$T/born" &
B=$!
sleep 1.3
serve 127.0.8.4 9500 "$T/f4"
wait $B
is "$(awk -F'\t' '$2 == "h04" && $3 == "up"' "$T/born" | head -n 1 | tr '\t' '\n' | grep -E '^(dt|sent)=' | sed 's/^dt=[0-9.]*[1-9][0-9.]*$/dt=N/' | tr '\n' ' ')" \
	"dt=N sent=42 " "a cellsrv up after the collector started: its first answer counts from zero"
is "$(grep -c 'restart=' "$T/born")" 0 "... which is no restart"

# -- real cellsrvs ----------------------------------------------------------------
cells_setup 2 400 10 4 40 || { ok 1 "2 cells"; done_testing; exit; }
cellsrv_start 1 && cellsrv_start 2 || { ok 1 "cellsrv started"; done_testing; exit; }
for c in 1 2; do
	msgclient -i "$T/inv" -k $c -m 40 -q >"$T/m$c" 2>&1 &
	track $!
done
stat-collect -i "$T/inv" -t 1 >"$T/sc" 2>"$T/sc.err" &
SC=$!
track $SC
sleep 2.2
t_stop=$(date +%s.%N)
kill -STOP "${CS[2]}"
sleep 3.2
t_cont=$(date +%s.%N)
kill -CONT "${CS[2]}"
sleep 2.2
kill "${CS[1]}"
wait "${CS[1]}" 2>/dev/null
cellsrv_start 1
sleep 2.2
kill -TERM $SC
rc=0; wait $SC || rc=$?
is "$rc $(wc -c <"$T/sc.err")" "0 0" "SIGTERM: stat-collect ends with status 0, saying nothing"
# h02 STATE TS...
h2=$(awk -F'\t' '$2 == "h02" { print $1, $3 }' "$T/sc")
first_down=$(printf '%s\n' "$h2" | awk '$2 == "down" { print $1; exit }')
is "$(printf '%s\n' "$h2" | awk '$2 != "up" { print $2 }' | uniq | head -n 2 | tr '\n' ' ')" "stale down " \
	"SIGSTOP'd cellsrv: stale, then down"
ok "$(awk -v a="$t_stop" -v b="${first_down:-0}" 'BEGIN { exit !(b > a && b - a <= 3) }'; echo $?)" \
	"down within 2 ticks of SIGSTOP (stopped at $t_stop, down at ${first_down:-never})"
ok "$(printf '%s\n' "$h2" | awk -v t="$t_cont" '$1 > t + 2 && $2 != "up" { bad = 1 } END { exit bad }'; echo $?)" \
	"SIGCONT: up again within 2 ticks"
h1=$(awk -F'\t' '$2 == "h01" && $3 != "up" && $1 < '"${t_cont%.*}"' { n++ } END { print n + 0 }' "$T/sc")
is "$h1" 0 "h01 missed no tick while h02 hung"
is "$(awk -F'\t' '$2 == "h01"' "$T/sc" | sed '1d;$d' | awk -F'\t' '{ if (p && $1 - p != 1) bad++; p = $1 } END { print bad + 0 }')" 0 \
	"ticks 1 s apart throughout (the first, at once, and the last, at SIGTERM, apart): one hung host delays nothing"
is "$(awk -F'\t' '$2 == "h01"' "$T/sc" | grep -c 'restart=cellsrv')" 1 "a cellsrv restarted: one line says restart=cellsrv"
is "$(grep -c '=-' "$T/sc")" 0 "no negative count across the restart"
ok "$(awk -F'\t' '$2 == "h01" && /\tsent=[1-9]/' "$T/sc" | grep -q 'lat=0'; echo $?)" "under load: counts and latency buckets"

# what cellsrv and msgclient serve: Prometheus's linter passes both
curl -s "http://${ADDR[1]}:9500/metrics" >"$T/m.srv"
run promtool check metrics <"$T/m.srv"
is "$rc $(cat "$T/out" "$T/err")" "0 " "cellsrv's /metrics passes promtool check metrics"
msgclient -i "$T/inv" -k 1 -m 40 -q >/dev/null 2>&1 &
MC=$!
track $MC
for _ in $(seq 100); do curl -sf "http://${ADDR[1]}:9503/metrics" >"$T/m.cli" && break; sleep 0.05; done
run promtool check metrics <"$T/m.cli"
is "$rc $(cat "$T/out" "$T/err")" "0 " "msgclient's /metrics (port 9503) passes promtool check metrics"
stop_pid $MC
# every line of an up host carries the host, Redis, who answered, the client
l1=$(awk -F'\t' '$2 == "h01" && $3 == "up"' "$T/sc" | head -n 1)
is "$(printf '%s\n' "$l1" | tr '\t' '\n' | sed -n 's/^\(id\|build\|start\)=.*/\1/p' | tr '\n' ' ')" "id build start " \
	"a real cellsrv's first line: its instance, build and start"
lx=$(awk -F'\t' '$2 == "h01" && /\tdt=/ && /\trmem=/ && /\tc=up/' "$T/sc" | tail -n 1)
is "$(printf '%s\n' "$lx" | tr '\t' '\n' | sed -n 's/^\(usr\|stl\|ncpu\|mavail\|mtotal\|rrss\|rmem\|loading\|aof\|c_users\|c_acked\)=.*/\1/p' | tr '\n' ' ')" \
	"usr stl ncpu mavail mtotal rrss rmem loading aof c_users c_acked " \
	"under load: the host's CPU and memory, Redis's (INFO), the client's counts"

# a cell on the wrong address: cell 2's cellsrv answering on a third host's
printf 'h01 %s 1 1 200\nh02 %s 2 201 400\nh03 127.0.3.42 3 401 600\n' "${ADDR[1]}" "${ADDR[2]}" >"$T/inv3"
cellsrv -i "$T/inv" -k 2 -a 127.0.3.42 -R "${ADDR[2]}" -P 9599 -q 2>>"$T/wrong.log" &
track $!
wait_port 127.0.3.42 9500 10
stat-collect -i "$T/inv3" -n 1 -c 0 >"$T/wrong"
is "$(awk -F'\t' '$2 == "h03"' "$T/wrong" | tr '\t' '\n' | grep '^clash=')" "clash=name:h02,cell:2" \
	"cell 2 answering on h03's address: a clash at the first scrape"

# steal, from a recorded /proc/stat (CELLSTRESS_PROC): flagged by the monitor
mkdir -p "$T/proc"
cp "$TOP/tests/data/proc/stat.1" "$T/proc/stat"
cp "$TOP/tests/data/proc/loadavg" "$TOP/tests/data/proc/meminfo" "$T/proc/"
kill "${CS[2]}"
wait "${CS[2]}" 2>/dev/null
CELLSTRESS_PROC=$T/proc cellsrv_start 2
stat-collect -i "$T/inv" -t 1 -n 3 -c 0 >"$T/steal" &
SC=$!
for _ in $(seq 100); do grep -q '	h02	up' "$T/steal" && break; sleep 0.02; done
cp "$TOP/tests/data/proc/stat.2" "$T/proc/stat"
wait $SC
is "$(awk -F'\t' '$2 == "h02" && /\tstl=/' "$T/steal" | head -n 1 | tr '\t' '\n' | grep -E '^(stl|mtotal)=' | tr '\n' ' ')" \
	"stl=1.800 mtotal=4054204416 " "the recorded /proc/stat: 1.8 s stolen between two ticks, the recorded memory"
ok "$(awk '{ print } $2 == "h02" && /\tstl=/ { exit }' "$T/steal" | stat-monitor -1 | grep -q '^h02 .* STEAL'; echo $?)" \
	"stat-monitor flags that tick's steal"

# -w: ends, after a last tick, when that process does
sleep 30 &
SP=$!
track $SP
stat-collect -i "$T/inv" -t 1 -w $SP >"$T/w" 2>&1 &
W=$!
track $W
sleep 1.5
kill $SP
t0=$(date +%s%N)
rc=0; wait $W || rc=$?
is "$rc $(( ($(date +%s%N) - t0) / 1000000 < 1500 ))" "0 1" "-w PID: ends when PID does, within the scrape timeout"
is "$(grep -v '^#' "$T/w" | tail -n 2 | cut -f2,3 | tr '\n' ' ')" "h01	up h02	up " "... after a last tick"

# Its priority: ahead of the cluster it watches (nice -10) when allowed,
# else as started; one started higher still keeps its own.
printf 'h01 127.0.8.9 1 1 10\n' >"$T/inv9"
# priority WANT WHY [NICE]: stat-collect started at NICE (default: as this
# shell) comes to run at nice WANT.
priority() {
	local sc ni
	nice -n "${3:-0}" stat-collect -i "$T/inv9" -t 1 -n 3 -c 0 >/dev/null 2>&1 &
	sc=$!
	track $sc
	for _ in $(seq 50); do ni=$(ps -o ni= -p $sc | tr -d ' '); [ "$ni" = "$1" ] && break; sleep 0.02; done
	is "$ni" "$1" "stat-collect's priority, $2"
	wait $sc
}
if [ "$(id -u)" = 0 ]; then
	priority -10 "as root: nice -10"
	priority -15 "as root, started at nice -15: kept" -15
else
	priority "$(nice)" "without root: as started"
fi
done_testing
