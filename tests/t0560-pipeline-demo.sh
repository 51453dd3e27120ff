# t0560-pipeline-demo: `make demo` (small layout) runs the whole cycle,
# prints the summary and stops everything; KEEP=1 leaves the cluster up
# answering the API until `make destroy`; all phases in one make command,
# with -j and without (the plain sequential line must finish too).
. "$(dirname "$0")/helper/lib.sh"
FIRST=71
. "$(dirname "$0")/helper/pipeline.sh"

small="HOSTS=2 USERS=400 SAME=4 CROSS=2 MSGS=1"
run pm demo $small
ok "$rc" "make demo $small"
ok "$(tail -n 1 "$T/out" | grep -q '^\[summary\] 400 users, [0-9,]* relations, [0-9,]* messages, all verified$'; echo $?)" \
	"demo's last line is the verified summary"
is "$(listeners | wc -l) $( [ -e "$T/hosts" ]; echo $?)" "0 1" "demo destroyed the cluster: no listener, no hosts/"

run pm demo KEEP=1 $small
ok "$rc" "make demo KEEP=1"
run curl -fsS --max-time 5 "http://$(addr 1):9500/api/user/42"
is "$rc $(grep -o '"UserId": *42' "$T/out" | tr -d ' ')" '0 "UserId":42' "the kept cluster answers /api/user/42"
is "$(listeners | grep -c ':9500$')" 2 "both cellsrv still listen"
run pm destroy
is "$rc $(listeners | wc -l)" "0 0" "make destroy ends it"

# All phases as one make -j command: each waits for the goals before it.
run pm -j8 provision deploy run check report destroy $small
ok "$rc" "make -j8 provision deploy run check report destroy"
[ "$rc" = 0 ] || diag "$(tail -n 3 "$T/err")"
is "$(grep -c '^\[summary\] 400 users, .* all verified$' "$T/out") $(listeners | wc -l) $( [ -e "$T/hosts" ]; echo $?)" \
	"1 0 1" "in order: verified, then destroyed"

# The same without -j: every client is started before make waits for any,
# so make's order cannot hang the run.
run pm provision deploy run check report destroy $small
ok "$rc" "make provision deploy run check report destroy (no -j)"
[ "$rc" = 0 ] || diag "$(tail -n 3 "$T/err")"
is "$(grep -o '^\[h0[12]\] [a-z]*' "$T/out" | tr '\n' ' ')" \
	"[h01] deploy [h02] deploy [h01] start [h02] start [h01] run [h02] run [h01] check [h02] check [h01] stop [h02] stop " \
	"one host after the other, every start before any run"
is "$(grep -c '^\[summary\] 400 users, .* all verified$' "$T/out") $(listeners | wc -l) $( [ -e "$T/hosts" ]; echo $?)" \
	"1 0 1" "in order: verified, then destroyed"

done_testing
