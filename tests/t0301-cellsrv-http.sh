# t0301-cellsrv-http: cellsrv's HTTP API against a real redis-server: the
# contract's answers, every kind of bad input (4xx, one-line JSON error,
# nothing written, the server keeps serving), overload and a lost Redis.
. "$(dirname "$0")/helper/lib.sh"

A=127.0.2.20
H=http://$A:9500
start_redis $A 7379 --enable-debug-command yes || exit 1
R() { redis-cli -h $A -p 7379 "$@"; }
for u in 1 2 3 4; do
	R HSET u:$u SendId 0 SendAckId 0 ReceiveId 0 ClientReceiveId 0 >/dev/null
done
R SADD f:1 3 2 >/dev/null; R SADD f:2 1 >/dev/null; R SADD f:3 1 >/dev/null
printf 'h01 %s 1 1 4\nh02 127.0.2.21 2 5 8\n' $A >"$T/inv"

# -m 2: two Redis calls in flight at most, so overload is easy to reach.
cellsrv -i "$T/inv" -k 1 -m 2 2>"$T/cellsrv.log" &
CS=$!
track $CS
for _ in $(seq 100); do curl -sf $H/healthz >/dev/null 2>&1 && break; sleep 0.05; done
is "$(curl -s $H/healthz)" ok "/healthz answers ok once Redis is ready"
grep -q "^cellsrv: listening on $A:9500\$" "$T/cellsrv.log"
ok $? "logs one line 'listening on ADDR:9500'"

# get PATH: "CODE BODY" of one GET.
get() { curl -s -o "$T/body" -w '%{http_code}' "$H$1"; printf ' %s' "$(cat "$T/body")"; }

is "$(get /api/user/1)" \
	'200 {"UserId":1,"SendId":0,"SendAckId":0,"ReceiveId":0,"ClientReceiveId":0,"friends":[2,3],"Acked":[]}' \
	"user record with friends sorted"
is "$(get '/api/c/1/2/1/?message=hi%20there')" '200 {"UserId":1,"SendId":1,"SendAckId":1,"ReceiveId":0}' \
	"SEND answers the sender's counters"
is "$(get '/api/c/1/2/1/?message=hi+there')" '200 {"UserId":1,"SendId":1,"SendAckId":1,"ReceiveId":0}' \
	"repeated SEND is 200 ('+' decodes to a space)"
is "$(get '/api/c/2/1/1?message=%22quoted%22%0Aline%20%C3%A9')" \
	'200 {"UserId":2,"SendId":1,"SendAckId":1,"ReceiveId":1}' "SEND without trailing slash, escaped body"
is "$(get /api/inbox/1)" '200 [{"from":2,"seq":1,"id":1,"body":"\"quoted\"\nline é"}]' \
	"inbox entry, body escaped by jansson"
is "$(get '/api/inbox/2?from=0&limit=5')" '200 [{"from":1,"seq":1,"id":1,"body":"hi there"}]' "inbox with from and limit"
is "$(get '/api/inbox/2?from=1')" '200 []' "inbox past the end is empty"
is "$(R HGET u:2 ClientReceiveId)" 1 "inbox from=1 records ClientReceiveId"
is "$(get '/api/inbox/2?from=0&limit=0')" '200 []' "limit 0"

# Bad input: status, one-line JSON error, nothing written, still serving.
big=$(head -c 1025 /dev/zero | tr '\0' a)
exact=$(head -c 1024 /dev/zero | tr '\0' b)
d=$(R DEBUG DIGEST)
while IFS='|' read -r want path desc; do
	got=$(get "$path")
	code=${got%% *}
	body=${got#* }
	is "$code" "$want" "$desc: $want"
	case $body in
	'{"error":"'*'"}') ok 0 "$desc: one-line JSON error" ;;
	*) ok 1 "$desc: one-line JSON error"; diag "body: $body" ;;
	esac
done <<EOF
404|/api/user/5|user of another cell
404|/api/user/9999|unknown user
400|/api/user/abc|non-numeric id
400|/api/user/99999999999999999999999|overflowing id
400|/api/user/-1|negative id
403|/api/c/1/4/1/?message=x|message to a non-friend
403|/api/c/1/9999/1/?message=x|message to a user who does not exist
400|/api/c/1/2/0/?message=x|K = 0
400|/api/c/1/2/x/?message=x|non-numeric K
400|/api/c/1/2/2/|no message
413|/api/c/1/2/2/?message=$big|message over 1 KiB
400|/api/c/1/2/2/?message=%zz|malformed escape
400|/api/c/1/2/2/?message=a%00b|NUL byte in message
400|/api/c/1/2/2/?message=%ff%fe|message not UTF-8
409|/api/c/1/2/1/?message=other|K accepted with another body
400|/api/c/1/2/99999/?message=x|K beyond the send window
400|/api/inbox/1?from=x|malformed from
404|/api/nothing|unknown path
EOF
is "$(R DEBUG DIGEST)" "$d" "no bad request wrote anything"
is "$(get /healthz)" "200 ok" "/healthz still answers after bad input"

# A damaged user record (a counter missing or not a number): 500 with a
# one-line JSON error for every call on it, never a crash (cellsrv read the
# text of a reply that had none). A SEND on it writes nothing (it appended to
# the outbox and the receiver's inbox, then stopped on the missing counter).
saved=$(R HMGET u:3 SendAckId ReceiveId | paste -sd' ')
R HDEL u:3 SendAckId >/dev/null
R HSET u:3 ReceiveId x >/dev/null
d=$(R DEBUG DIGEST)
is "$(get '/api/c/3/1/1/?message=x')" '500 {"error":"damaged user record"}' "damaged record: SEND is 500"
for path in /api/user/3 /api/inbox/3; do
	is "$(get "$path")" '500 {"error":"redis error"}' "damaged record: $path is 500"
done
is "$(R DEBUG DIGEST)" "$d" "damaged record: nothing written"
is "$(get /healthz)" "200 ok" "/healthz still answers after the damaged record"
set -- $saved
R HSET u:3 SendAckId $1 ReceiveId $2 >/dev/null

code=$(curl -s -o /dev/null -w '%{http_code}' -X POST $H/api/user/1)
is "$code" 405 "POST is refused"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' x)" $H/api/user/1)
ok $([ "$code" = 413 ] || [ "$code" = 400 ]; echo $?) "oversized request header: 4xx (got $code)"
r=$(exec 3<>/dev/tcp/$A/9500; printf 'GARBAGE\r\n\r\n' >&3; timeout 5 head -1 <&3)
case $r in "HTTP/1.1 400"*) ok 0 "malformed request line: 400" ;; *) ok 1 "malformed request line: 400"; diag "$r" ;; esac
# Methods evhttp does not know, or knows but was not told to allow, get the
# same 4xx as POST (evhttp itself answered 501 Not Implemented).
for m in TRACE CONNECT get FOO; do
	r=$(exec 3<>/dev/tcp/$A/9500; printf '%s /api/user/1 HTTP/1.1\r\nHost: x\r\n\r\n' $m >&3; timeout 5 head -1 <&3)
	case $r in "HTTP/1.1 405"*) ok 0 "method $m: 405" ;; *) ok 1 "method $m: 405"; diag "$r" ;; esac
done
is "$(get "/api/c/1/2/2/?message=$exact")" '200 {"UserId":1,"SendId":2,"SendAckId":2,"ReceiveId":1}' \
	"a message of exactly 1 KiB is accepted"
is "$(get /healthz)" "200 ok" "/healthz still answers"

# Overload: with Redis stalled, the third request in flight gets 503.
R DEBUG SLEEP 3 >/dev/null &
sleep 0.2
curl -s -o /dev/null $H/api/user/1 & c1=$!
curl -s -o /dev/null $H/api/user/2 & c2=$!
# /metrics needs no Redis: wait until both requests are waiting on it.
for _ in $(seq 40); do
	curl -s $H/metrics | grep -q '^cellsrv_redis_inflight 2$' && break
	sleep 0.05
done
curl -s -D "$T/hdr" -o /dev/null -w '%{http_code}' $H/api/user/3 >"$T/code"
is "$(cat "$T/code")" 503 "overloaded: 503"
grep -qi '^Retry-After: 1' "$T/hdr"
ok $? "overloaded: Retry-After"
# A client that gives up while its request waits on Redis.
curl -s -m 0.2 -o /dev/null $H/api/inbox/1 2>/dev/null
wait $c1 $c2
is "$(get /healthz)" "200 ok" "serving again after the stall and an abandoned request"

# Redis lost: 503 and unhealthy; back: healthy again.
stop_pid $REDIS_PID
is "$(get /api/user/1 | cut -c1-3)" 503 "Redis down: 503"
is "$(curl -s -o /dev/null -w '%{http_code}' $H/healthz)" 503 "Redis down: /healthz is 503"
start_redis $A 7379 --enable-debug-command yes
for _ in $(seq 100); do curl -sf $H/healthz >/dev/null 2>&1 && break; sleep 0.05; done
is "$(get /healthz)" "200 ok" "reconnects and reloads functions when Redis is back"

m=$(curl -s $H/metrics)
for name in 'cellsrv_sends_total{result="accepted"} 3' 'cellsrv_http_responses_total{code="404"} 3' \
	'cellsrv_send_ack_seconds_count 3'; do
	case $m in *"$name"*) ok 0 "metrics: $name" ;; *) ok 1 "metrics: $name" ;; esac
done
kill -TERM $CS
wait $CS
is "$?" 0 "SIGTERM: clean exit 0"
done_testing
