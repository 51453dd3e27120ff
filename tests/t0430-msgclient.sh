# t0430-msgclient: msgclient's behaviour against a real cellsrv and
# redis-server (one cell, 200 users, 127.0.3.20): usage errors, a cellsrv
# that is not there (given up after -t seconds without progress), one that
# starts late, progress and
# summary lines, a start gate (-g), a finished run re-run, overload (503 + Retry-After), SIGTERM
# and restart, and a server state that contradicts the plan (409).
. "$(dirname "$0")/helper/lib.sh"
. "$(dirname "$0")/helper/cells.sh"

M=3
cells_setup 1 200 10 0 20 || exit 1
rel=$(sed 's/.*relations=\([0-9]*\).*/\1/' "$T/load1")
want=$((rel * M))
A=${ADDR[1]}
field() { tail -n 1 "$T/out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
mc() { run msgclient -i "$T/inv" -k 1 -m $M "$@"; }

expect_fail 2 '^usage: msgclient -i inventory -k cell' "no arguments: usage, exit 2" msgclient
run msgclient -h
is "$rc $(grep -c '^usage: msgclient' "$T/out")" "0 1" "-h: usage on stdout, exit 0"
expect_fail 2 'msgclient: -C: must be a number from 1' "-C 0: exit 2" msgclient -i "$T/inv" -k 1 -C 0
expect_fail 1 'msgclient: .*inv: no cell 2' "unknown cell: exit 1" msgclient -i "$T/inv" -k 2
expect_fail 1 'msgclient: /nonexistent: No such file' "missing inventory: exit 1" msgclient -i /nonexistent -k 1

# No cellsrv at all: gives up after -t seconds without progress, exit 1,
# errors counted, and its last line says what it waited for.
mc -t 2
is "$rc/$(field done)" 1/0 "no cellsrv: exit 1 after -t 2, no user done"
tail -n 1 "$T/err" | grep -Eq "^msgclient: no progress for 2 s: cellsrv $A:9500 has not answered for [0-9]+ s \(no connection or no answer\): is it running\?\$"
ok $? "no cellsrv: its last line names the cellsrv and the error: $(tail -n 1 "$T/err")"
[ "$(field errors)" -gt 0 ]; ok $? "no cellsrv: connection errors counted ($(field errors))"

# cellsrv starts a second after the client: it backs off, connects, finishes.
msgclient -i "$T/inv" -k 1 -m $M -t 120 >"$T/mc.out" 2>"$T/mc.err" &
p=$!; track $p
sleep 1
cellsrv_start 1
wait $p; rc=$?
is "$rc" 0 "late cellsrv: msgclient completes, exit 0"
[ -s "$T/mc.err" ] && diag "$(head -3 "$T/mc.err")"
awk 'NF != 7 && !/^users=/ { bad = 1 } NF == 7 { for (i = 1; i <= 7; i++) if ($i !~ /^[0-9]+$/) bad = 1 }
	END { exit bad }' "$T/mc.out"
ok $? "every progress line is 7 numbers"
is "$(awk 'NF == 7' "$T/mc.out" | tail -n 1 | cut -d' ' -f2-6)" "200 200 $want $want $want" \
	"last progress line: 200 of 200 done, sent = acked = received = $want"
cp "$T/mc.out" "$T/out"
is "$(field users)/$(field done)/$(field failed)/$(field sent)/$(field received)" "200/200/0/$want/$want" \
	"summary: users, done, failed, sent, received"
run checkdb -i "$T/inv" -k 1 -m $M
is "$rc" 0 "checkdb agrees: $(tail -n 1 "$T/out" | cut -d' ' -f1-9)"

# A second run over the finished state: one GET per user, nothing sent.
mc
is "$rc/$(field requests)/$(field retries)/$(field sent_before)" "0/200/0/$want" \
	"re-run after completion: exit 0, 200 requests, nothing re-sent"

# -g: nothing before the gate file exists (its /metrics answers meanwhile),
# then the run; never released: exit 1 after -t, saying so.
mc -t 2 -g "$T/gate"
is "$rc/$(field requests)" 1/0 "-g never released: exit 1 after -t 2, no request made"
tail -n 1 "$T/err" | grep -Eq "^msgclient: not released: no $T/gate after 2 s \(make run releases"
ok $? "-g never released: its last line says so: $(tail -n 1 "$T/err")"
msgclient -i "$T/inv" -k 1 -m $M -t 120 -g "$T/gate" >"$T/mc.out" 2>"$T/mc.err" &
p=$!; track $p
sleep 1
kill -0 $p 2>/dev/null; ok $? "-g: waits while the file is missing"
is "$(wc -l <"$T/mc.out")" 0 "-g: no progress line before the release"
curl -s --max-time 5 "http://$A:9503/metrics" | grep -q '^msgclient_requests_total 0$'
ok $? "-g: /metrics answers before the release, no request made"
t0=$(date +%s.%N)
echo "$t0 + 2" | bc >"$T/gate.tmp" && mv "$T/gate.tmp" "$T/gate"    # never seen empty: at once
wait $p; rc=$?
cp "$T/mc.out" "$T/out"
is "$rc/$(field requests)" 0/200 "-g released: the run goes on (one GET per user), exit 0"
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a >= 2) }'
ok $? "-g: it began at the time the file gives, 2 s later"
echo "soon" >"$T/gate"
expect_fail 1 "^msgclient: $T/gate: line 1: not a release time \\(Unix seconds\\): \"soon\"" \
	"-g: a line that is not a time: exit 1, named" msgclient -i "$T/inv" -k 1 -m $M -g "$T/gate"
echo "$(($(date +%s) + 100))" >"$T/gate"
expect_fail 1 "^msgclient: $T/gate: release time [0-9.]* is (99|100) s ahead of this host's clock, more than -t 5 s" \
	"-g: a time further ahead than -t: exit 1, named" msgclient -i "$T/inv" -k 1 -m $M -t 5 -g "$T/gate"
: >"$T/gate"
mc -g "$T/gate"
is "$rc/$(field requests)" 0/200 "-g: an empty file releases at once"

# Overload: cellsrv allowing 2 Redis calls in flight answers 503; the client
# waits Retry-After and still finishes.
redis-bulkload -f -h $A -p 7379 < <(gen-users -n 200 -c 1 -s 10) >/dev/null
stop_pid ${CS[1]}
cellsrv_start 1 -m 2
mc -C 32 -t 120
is "$rc" 0 "overloaded cellsrv: msgclient completes"
[ "$(field http503)" -gt 0 ]; ok $? "overloaded cellsrv: 503 answers seen ($(field http503)) and honoured"
run checkdb -i "$T/inv" -k 1 -m $M
is "$rc" 0 "checkdb after the overloaded run"

# SIGTERM mid-run: summary, exit 1; a second run finishes from the server.
# 20 messages per friend here (~39,000 messages). Once 500 are sent, cellsrv
# is frozen (SIGSTOP), so the client cannot finish before the signal lands
# however slow this shell is; it is continued after.
M2=20
want2=$((rel * M2))
redis-bulkload -f -h $A -p 7379 < <(gen-users -n 200 -c 1 -s 10) >/dev/null
stop_pid ${CS[1]}
cellsrv_start 1
msgclient -i "$T/inv" -k 1 -m $M2 -C 2 >"$T/mc.out" 2>"$T/mc.err" &
p=$!; track $p
wait_sent "$T/mc.out" 500 30
ok $? "run under way"
kill -STOP ${CS[1]}
kill -0 $p; ok $? "the client still runs with cellsrv frozen ($(sent_of "$T/mc.out") of $want2 sent)"
kill -TERM $p; wait $p; rc=$?
kill -CONT ${CS[1]}
is "$rc" 1 "SIGTERM: exit 1"
grep -q '^users=200 done=' "$T/mc.out"; ok $? "SIGTERM: summary line printed"
grep -q 'msgclient: signal 15: stopping' "$T/mc.err"; ok $? "SIGTERM: says so"
[ "$rc" = 1 ] || diag "stdout: $(tail -n 2 "$T/mc.out" | tr '\n' '|') stderr: $(tail -n 3 "$T/mc.err" | tr '\n' '|')"
mc -m $M2
is "$rc/$(field done)" 0/200 "second run completes"
[ "$(field sent_before)" -gt 0 ] && [ "$(field sent_before)" -lt $want2 ]
ok $? "second run started from the server's state (sent_before=$(field sent_before) of $want2)"
run checkdb -i "$T/inv" -k 1 -m $M2
is "$rc" 0 "checkdb after SIGTERM and re-run"

# A server state that contradicts the plan: message 2 of user 7 accepted
# (parked) with another body. When message 1 drains it, the client's own
# message 2 conflicts: 409, the user fails; its friends then wait for its
# messages until -t (they cannot complete), the others complete.
redis-bulkload -f -h $A -p 7379 < <(gen-users -n 200 -c 1 -s 10) >/dev/null
f=$(curl -s http://$A:9500/api/user/7 | sed 's/.*"friends":\[\([0-9]*\).*/\1/')
is "$(curl -s -o /dev/null -w '%{http_code}' "http://$A:9500/api/c/7/$f/2/?message=bogus")" 200 \
	"a foreign message 2 of user 7 is parked"
nf=$(curl -s http://$A:9500/api/user/7 | sed 's/.*"friends":\[\([0-9,]*\)\].*/\1/' | tr , '\n' | wc -l)
mc -t 8
is "$rc/$(field failed)/$(field done)" 1/1/$((199 - nf)) "conflict: exit 1, user 7 failed, all but its friends done"
grep -q '^msgclient: user 7: message 2: HTTP 409' "$T/err"; ok $? "conflict: user 7 and message 2 named"
tail -n 1 "$T/err" | grep -Eq "^msgclient: no progress for 8 s: waiting for $((nf * M - 2)) messages to users of cell 1 from cell 1: are their clients and cellsrv running\?\$"
ok $? "conflict: the stall names the $((nf * M - 2)) messages user 7 never sent (it sent 1 and 2): $(tail -n 1 "$T/err")"
run checkdb -i "$T/inv" -k 1 -m $M
[ "$rc" -eq 1 ] && grep -q '^user 7: .*outbox' "$T/out"
ok $? "checkdb finds user 7's bad outbox entry"

# Two cells, only cell 1's client runs: its users' messages to cell 2 are
# acked by cell 2's cellsrv, but nobody sends cell 2's messages, so the
# client stalls and names cell 2 and exactly the messages it waits for.
stop_pid ${CS[1]}
cells_setup 2 400 10 4 21 || exit 1
cellsrv_start 1 && cellsrv_start 2
ok $? "two cells on ${ADDR[1]} and ${ADDR[2]}"
from2=$(gen-users -n 400 -c 2 -s 10 -x 4 -k 1 | awk -F'\t' '$1 <= 200 && $2 > 200' | wc -l)
# (-r 1000: a D line dropped while cell 1's link to cell 2 still connected
# is re-sent after 1 s, well within the 3 s without progress.)
mc -t 3 -r 1000
is "$rc/$(field done)" "1/$((200 - $(gen-users -n 400 -c 2 -s 10 -x 4 -k 1 | awk -F'\t' '$1 <= 200 && $2 > 200 { print $1 }' | sort -u | wc -l)))" \
	"cell 2's client absent: exit 1, every user without a friend in cell 2 done"
is "$(tail -n 1 "$T/err")" "msgclient: no progress for 3 s: waiting for $(commas $((from2 * M))) messages to users of cell 1 from cell 2: are their clients and cellsrv running?" \
	"the last line names cell 2 and the $((from2 * M)) messages"
is "$(grep -c "waiting for acks" "$T/err")" 0 "no acks are missing: cell 2's cellsrv acked every message"
done_testing
