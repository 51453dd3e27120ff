# t0540-pipeline-resume: `make run` killed while the clients run (its whole
# process group, as a dropped terminal would), the clients carry on detached
# on their hosts; `make run` again waits for them without starting a second
# one, restarts one killed on its host, and check passes (seed lesson 4);
# a client recorded as failed is started again; a run that stalls (a cell
# frozen) fails in STALL seconds naming what it waits for, and resumes once
# the cell is back. Over TRANSPORT=local and ssh
# (there the killed make drops the ssh connections to the hosts, the seed's
# case).
. "$(dirname "$0")/helper/lib.sh"
FIRST=41
. "$(dirname "$0")/helper/pipeline.sh"

# resume_test TRANSPORT: the killed make, run again, check.
resume_test() {
	local tr=$1 mk n alive p p1 before
	run pm -j3 provision deploy $LAYOUT_T TRANSPORT="$tr"
	ok "$rc" "TRANSPORT=$tr: provision and deploy $LAYOUT_T"

	# make run in its own process group (job control), so the test can kill
	# all of it: make, its shells, cs-host and ssh or the local cs-node.
	set -m
	pm -j3 run >"$T/run1.out" 2>&1 &
	mk=$!
	set +m
	track "$mk"
	for _ in $(seq 200); do
		n=$(ls "$T"/run/h0[123]/pid/msgclient.pid 2>/dev/null | wc -l)
		[ "$n" = 3 ] && break
		sleep 0.05
	done
	is "$n" 3 "all 3 clients started"
	sleep 0.3
	kill -TERM -- "-$mk"
	for _ in $(seq 100); do kill -0 "$mk" 2>/dev/null || break; sleep 0.05; done
	wait "$mk" 2>/dev/null
	ok "$( ! kill -0 "$mk" 2>/dev/null; echo $?)" "make run (and its process group) killed"
	before=$(cat "$T"/run/h0[123]/pid/msgclient.pid 2>/dev/null | tr '\n' ' ')
	alive=0
	for p in $before; do [ -n "$(still_running "$p")" ] && alive=$((alive + 1)); done
	ok "$( [ "$alive" -ge 1 ]; echo $?)" "clients survived the killed make ($alive of 3 still running)"
	is "$(ls "$T"/results/h0[123]/.ran 2>/dev/null | wc -l)" 0 "no host is stamped as run"

	# h01's client dies too (as on a host crash): the next run restarts it and
	# it carries on from the server's state.
	read -r p1 <"$T/run/h01/pid/msgclient.pid"
	kill -KILL -- "-$p1" 2>/dev/null
	for _ in $(seq 100); do [ -z "$(still_running "$p1")" ] && break; sleep 0.05; done
	before=$(cat "$T"/run/h0[23]/pid/msgclient.pid | tr '\n' ' ')

	run pm -j3 run
	ok "$rc" "make run again completes"
	[ "$rc" = 0 ] || diag "$(tail -n 5 "$T/err")"
	is "$(cat "$T"/run/h0[123]/msgclient.start | wc -l) $(grep -c 'msgclient status=0' "$T"/results/h0[123]/client.log | cut -d: -f2 | tr '\n' ' ')" \
		"3 1 1 1 " "each host's client finished with status 0"
	is "$(cat "$T"/run/h0[23]/pid/msgclient.pid | tr '\n' ' ')" "$before" "h02's and h03's clients were waited for, not started again"
	is "$(grep -c "^$p1\$" "$T/run/h01/pid/msgclient.pid")" 0 "h01's killed client was started again"
	run pm -j3 check
	ok "$rc" "make check passes after the resumed run"
	is "$(head -n 1 "$T/results/summary.txt" | grep -o 'lost=[0-9]*\|duplicated=[0-9]*\|disordered=[0-9]*' | tr '\n' ' ')" \
		"lost=0 duplicated=0 disordered=0 " "summary: nothing lost, duplicated or out of order"
	[ "$tr" = local ] && failed_client_test
	run pm destroy
}

# failed_client_test: a client whose last run exited non-zero (recorded in
# its msgclient.rc) is started again by the next make run.
failed_client_test() {
	local p0
	read -r p0 <"$T/run/h02/pid/msgclient.pid"
	echo "1 $(date +%s)" >"$T/run/h02/msgclient.rc"
	rm -f "$T/results/h02/.ran"
	run pm run-h02
	ok "$rc" "make run-h02 after a failed client"
	is "$(grep -c "^$p0\$" "$T/run/h02/pid/msgclient.pid") $(cut -d' ' -f1 "$T/run/h02/msgclient.rc")" "0 0" \
		"the failed client was started again and finished with status 0"
}

# stall_test: h02's cellsrv frozen (SIGSTOP) during the run: with STALL=5
# the run fails within seconds, each client's last line naming what it
# waits for; after SIGCONT `make run` resumes and check passes.
stall_test() {
	local cs t0 t1
	run pm -j3 provision deploy $LAYOUT_T
	ok "$rc" "stall: provision and deploy"
	read -r cs <"$T/run/h02/pid/cellsrv.pid"
	kill -STOP "$cs"
	t0=$(date +%s)
	STALL=5 run pm -j3 run
	t1=$(date +%s)
	kill -CONT "$cs"
	is "$rc" 2 "a stalled run fails (make's status 2)"
	ok "$( [ $((t1 - t0)) -lt 40 ]; echo $?)" "... within seconds ($((t1 - t0)) s), not minutes"
	grep -Eq '^\[h02\] run failed: msgclient exited with status 1: msgclient: no progress for 5 s: cellsrv 127\.0\.4\.42:9500 has not answered for [0-9]+ s \(.*\): is it running\?$' "$T/err"
	ok $? "h02's reason names its frozen cellsrv: $(grep '^\[h02\] run failed' "$T/err")"
	# cell 2 alone, or among others still owing ("cells 1, 2 and 3": on a
	# slow machine the other clients are not done either 5 s into the run)
	grep -Eq '^\[h0[13]\] run failed: msgclient exited with status 1: msgclient: no progress for 5 s: waiting for .*(from|to users of) cells? ([0-9]+(, | and ))*2[: ]' "$T/err"
	ok $? "another host's reason names cell 2: $(grep '^\[h0[13]\] run failed' "$T/err" | head -n 1)"
	run pm -j3 run check
	ok "$rc" "after SIGCONT, make run resumes and check passes"
	run pm destroy
}

resume_test local
resume_test ssh
stall_test
done_testing
