# t0303-cellsrv-redis-faults: cellsrv outlives its redis-server. A real
# redis-server with an AOF is killed with SIGKILL under a running cellsrv
# and started again from its AOF, loading slowly on purpose (key-load-delay):
# the same cellsrv (same PID) answers 503 + Retry-After meanwhile, /healthz
# says why it is not ready, then it serves the data as before and takes new
# SENDs; a peer line sent meanwhile waits on its link and is applied after.
# Also: a cellsrv started while Redis is still loading waits, then serves; a
# long script makes Redis answer BUSY (503, then serves again, and a peer
# call that failed BUSY is made again); a connection killed by Redis is
# made again; /metrics counts every fault.
. "$(dirname "$0")/helper/lib.sh"

A=127.0.2.50
H=http://$A:9500
DIR=$T/redis-$A-7379
R() { redis-cli -h $A -p 7379 "$@"; }
# Redis with an AOF in $DIR; a restart loads what is there (slowly when
# asked: key-load-delay, in microseconds per key, and events answered often
# enough to say LOADING meanwhile).
redis_up() { start_redis $A 7379 --appendonly yes "$@"; }
slow=(--key-load-delay 200 --loading-process-events-interval-bytes 1024)
redis_up || exit 1
for u in 1 2 3 4; do R HSET u:$u SendId 0 SendAckId 0 ReceiveId 0 ClientReceiveId 0 >/dev/null; done
R SADD f:1 2 3 5 >/dev/null; R SADD f:2 1 >/dev/null; R SADD f:3 1 >/dev/null
# 4,000 filler keys: at 200 us each a load takes 0.8 s at least.
R EVAL "for i = 1, 4000 do redis.call('SET', 'filler:' .. i, 'x') end" 0 >/dev/null
R BGREWRITEAOF >/dev/null
printf 'h01 %s 1 1 4\nh02 127.0.2.51 2 5 8\n' $A >"$T/inv"

cellsrv -i "$T/inv" -k 1 2>"$T/cellsrv.log" &
CS=$!
track $CS
# get PATH: "CODE BODY" of one GET; hdr PATH: its headers.
get() { curl -s -o "$T/body" -w '%{http_code}' "$H$1"; printf ' %s' "$(tr -d '\r' <"$T/body")"; }
metric() { curl -s $H/metrics | sed -n "s/^$1 //p"; }
# wait_health WANT SECS: until /healthz answers WANT (its body).
wait_health() {
	local i
	for i in $(seq $(($2 * 20))); do
		[ "$(curl -s $H/healthz)" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
# seen_loading: 1 if /healthz said 'not ready: redis loading' before ok.
seen_loading() {
	local h
	for _ in $(seq 200); do
		h=$(curl -s $H/healthz)
		case $h in "not ready: redis loading") echo 1; return ;; ok) return ;; esac
		sleep 0.02
	done
}
wait_health ok 10
ok $? "cellsrv up"
is "$(get '/api/c/1/2/1/?message=before')" '200 {"UserId":1,"SendId":1,"SendAckId":1,"ReceiveId":0}' "a SEND before the fault"
before=$(get /api/user/1)

# 1. SIGKILL the redis-server; restart it from its AOF, loading for ~2 s.
kill -9 $REDIS_PID; wait $REDIS_PID 2>/dev/null
sleep 0.3
kill -0 $CS; ok $? "Redis killed: cellsrv still runs"
curl -s -D "$T/hdr" -o "$T/body" -w '%{http_code}' $H/api/user/1 >"$T/code"
is "$(cat "$T/code") $(cat "$T/body")" '503 {"error":"not ready: redis down: Connection refused"}' \
	"Redis down: the API answers 503 saying why"
grep -qi '^Retry-After: 1' "$T/hdr"; ok $? "Redis down: Retry-After"
is "$(get /healthz)" "503 not ready: redis down: Connection refused" "Redis down: /healthz is 503 with the reason"
is "$(get '/api/c/1/2/2/?message=during' | cut -c1-3)" 503 "Redis down: a SEND is 503"
is "$(metric cellsrv_redis_up)" 0 "Redis down: cellsrv_redis_up 0"
# A peer line (DLV 1 of user 5, cell 2, to user 1) arrives meanwhile: it
# waits on the link, and is applied once Redis is back.
exec 5<>/dev/tcp/$A/9501
printf 'D 5 1 1 1 while%%20down\n' >&5
redis_up "${slow[@]}" || exit 1
seen=$(seen_loading)
is "$seen" 1 "Redis loading its AOF: /healthz says 'not ready: redis loading'"
wait_health ok 20
ok $? "Redis loaded: /healthz ok again"
is "$(pgrep -f "cellsrv -i $T/inv" | head -1)" "$CS" "the same cellsrv (PID $CS) serves"
is "$(get /api/user/1)" "${before/\"ReceiveId\":0/\"ReceiveId\":1}" "data intact after the restart (and the peer line applied)"
is "$(get /api/inbox/1)" '200 [{"from":5,"seq":1,"id":1,"body":"while down"}]' \
	"the peer line sent while Redis was down is applied"
is "$(get '/api/c/1/2/2/?message=after')" '200 {"UserId":1,"SendId":2,"SendAckId":2,"ReceiveId":1}' \
	"a SEND works after"
is "$(metric cellsrv_redis_reconnects_total)" 1 "one reconnect counted"
m=$(curl -s $H/metrics)
for k in refused dropped loading; do
	n=$(echo "$m" | sed -n "s/^cellsrv_redis_faults_total{kind=\"$k\"} //p")
	[ "${n:-0}" -ge 1 ]; ok $? "fault kind $k counted ($n)"
done
grep -q 'not ready: redis loading' "$T/cellsrv.log"; ok $? "the log says why it waits"

# 2. cellsrv started while Redis loads: it waits, then serves.
kill -TERM $CS; wait $CS
is "$?" 0 "SIGTERM: exit 0"
kill -9 $REDIS_PID; wait $REDIS_PID 2>/dev/null
redis_up "${slow[@]}" || exit 1
: >"$T/cellsrv.log"
cellsrv -i "$T/inv" -k 1 2>"$T/cellsrv.log" &
CS=$!
track $CS
seen=$(seen_loading)
is "$seen" 1 "started during the load: /healthz says 'not ready: redis loading'"
wait_health ok 20
ok $? "then ok"
kill -0 $CS; ok $? "it never exited"
is "$(get '/api/c/1/2/3/?message=late')" '200 {"UserId":1,"SendId":3,"SendAckId":3,"ReceiveId":1}' \
	"and serves: a SEND"

# 3. BUSY: a script running past busy-reply-threshold.
R CONFIG SET busy-reply-threshold 50 >/dev/null
R EVAL "local t = redis.call('TIME'); local e = t[1] * 1000000 + t[2] + 1500000
	repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= e" 0 >/dev/null 2>&1 &
ev=$!
sleep 0.3
# A peer line now: its cs_peer call fails BUSY, is kept, and made again.
exec 5<>/dev/tcp/$A/9501
printf 'D 5 1 2 2 while%%20busy\n' >&5
sleep 0.2
curl -s -D "$T/hdr" -o "$T/body" -w '%{http_code}' $H/api/user/1 >"$T/code"
is "$(cat "$T/code") $(cat "$T/body")" '503 {"error":"not ready: redis busy"}' "BUSY: the API answers 503"
grep -qi '^Retry-After: 1' "$T/hdr"; ok $? "BUSY: Retry-After"
is "$(get /healthz)" "503 not ready: redis busy" "BUSY: /healthz says so"
wait $ev
wait_health ok 10
ok $? "the script done: ok again"
is "$(get '/api/c/1/2/4/?message=busy')" '200 {"UserId":1,"SendId":4,"SendAckId":4,"ReceiveId":2}' \
	"and serves: a SEND"
n=$(metric 'cellsrv_redis_faults_total{kind="busy"}')
[ "${n:-0}" -ge 1 ]; ok $? "fault kind busy counted ($n)"
is "$(get '/api/inbox/1?from=1')" '200 [{"from":5,"seq":2,"id":2,"body":"while busy"}]' \
	"the peer line whose call failed BUSY is applied after"
is "$(metric cellsrv_peer_retried_calls_total)" 1 "... by its call made again"
exec 5>&-

# 4. Redis drops the connection (CLIENT KILL): made again at once.
R CLIENT KILL TYPE normal >/dev/null
wait_health ok 5
ok $? "connection killed by Redis: healthy again"
is "$(get /api/user/3 | cut -c1-3)" 200 "and serves"
is "$(metric cellsrv_redis_reconnects_total)" 1 "one reconnect counted"
kill -0 $CS; ok $? "no Redis fault ended cellsrv"
done_testing
