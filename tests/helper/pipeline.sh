# pipeline.sh: what the pipeline tests (t05NN) share, sourced after lib.sh.
# pm runs the top-level make on a cluster of this test's own: hosts/, results/,
# run/ and state/ in $T, addresses $NET.$FIRST... of 127.0.4.0/24 and sshd
# port $SSH_PORT, so a user's cluster (127.0.1.x, ./hosts) is never touched.
# A client that makes no progress for $STALL s (60) fails its run with the
# reason, so a stuck phase fails the test in seconds, not minutes.
# The cluster is destroyed when the test exits, whatever happened.
: "${FIRST:?set FIRST before sourcing pipeline.sh}"
NET=${NET:-127.0.4}
SSH_PORT=${SSH_PORT:-$((2200 + FIRST))}
# A make run inside `make test` must not inherit the outer make's flags or
# jobserver; $BIN (exported by mk/test.mk) selects the tools.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

# With REL=1 the directories are given relative to $TOP, as a user would;
# pdir prints the prefix make sees (for targets like $(pdir)/results/h01/.ran).
pdir() { if [ "${REL:-0}" = 1 ]; then realpath --relative-to="$TOP" "$T"; else echo "$T"; fi; }
pm() {
	local d
	d=$(pdir)
	make -C "$TOP" --no-print-directory NET="$NET" FIRST="$FIRST" SSH_PORT="$SSH_PORT" STALL="${STALL:-60}" \
		HOSTS_DIR="$d/hosts" RESULTS="$d/results" RUN_DIR="$d/run" STATE="$d/state" "$@"
}

_pm_cleanup() { pm destroy >/dev/null 2>&1; _cleanup; }
trap _pm_cleanup EXIT

# addr N: the address of host N.
addr() { echo "$NET.$((FIRST + $1 - 1))"; }

# listeners: "addr:port" of every TCP listener on this test's addresses.
listeners() {
	ss -Hltn 2>/dev/null | awk -v net="$NET." -v lo="$FIRST" -v hi="$((FIRST + 19))" '{
		a = $4; sub(/:[0-9]+$/, "", a)
		if (index(a, net) == 1) { n = substr(a, length(net) + 1) + 0; if (n >= lo && n <= hi) print $4 } }' | sort
}

# our_pids: PIDs of the processes this test's cluster runs: the ones named
# by the hosts' pid files and sshd's, and ssh ControlMaster processes of $T.
our_pids() {
	{
		cat "$T"/run/h*/pid/*.pid "$T"/state/ssh/sshd-*.pid 2>/dev/null
		for f in /proc/[0-9]*/cmdline; do
			tr '\0' ' ' 2>/dev/null <"$f" | grep -q -- "$T/" && { p=${f#/proc/}; echo "${p%/cmdline}"; }
		done
	} | sort -un
}

# with_descendants PID...: the PIDs and every process below them.
with_descendants() {
	local f line rest p
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		rest=${line##*) }
		set -- $rest
		p=${f#/proc/}
		echo "${p%/stat} $2"
	done | awk -v roots="$*" 'BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
		{ parent[$1] = $2 }
		END { for (p in parent) { q = p; while (q in parent && !(q in want) && q > 1) q = parent[q]; if (q in want) print p } }' | sort -un
}

# still_running PID...: the ones still alive (not zombies).
still_running() {
	local p s
	for p; do
		[ -r "/proc/$p/stat" ] || continue
		s=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)
		[ -n "$s" ] && [ "$s" != Z ] && echo "$p"
	done
}

# mtime FILE: modification time in nanoseconds (0 when missing).
mtime() { stat -c %.9Y "$1" 2>/dev/null | tr -d . || echo 0; }

# hold ADDR PORT: a listener of the test's own on ADDR:PORT (a bare
# redis-server from lib.sh), its PID in $HOLD_PID, stopped at exit.
hold() {
	start_redis "$1" "$2" && HOLD_PID=$REDIS_PID
}

# The layout of the end-to-end tests: 3000 users with fewer friends and
# messages than the defaults (about 60,000 messages) so a run takes seconds.
LAYOUT_T="HOSTS=3 USERS=3000 SAME=6 CROSS=4 MSGS=2"

# watch_test TRANSPORT: what the cycle of cycle_test left to watch the run
# with (its output in $T/cycle.out): the recording, the progress lines, the
# report's plots, the thresholds, prometheus.yml; then `make monitor` in
# tmux shows every host up; over ssh through a SOCKS proxy on h01 too.
watch_test() {
	local tr=$1 h TM="tmux -S $T/tmux.sock"
	is "$(for h in h01 h02 h03; do awk -F'\t' -v h=$h '$2 == h && $3 == "up" && /\tdt=/' "$T/results/stats.tsv" | grep -c . | grep -vx 0 >/dev/null && echo $h; done | tr '\n' ' ')" \
		"h01 h02 h03 " "results/stats.tsv: every host recorded, up, with counts"
	h=$(grep -c '^\[run\] [0-9]*% [0-9.]*[kM]*/[0-9.]*[kM]* msgs, [0-9.]*[kM]* msgs/s' "$T/cycle.out")
	ok "$([ "$h" -ge 1 ]; echo $?)" "make run printed the cluster's progress line"
	[ "$h" -ge 1 ] || diag "$(grep '^\[run\]' "$T/cycle.out")"
	h=$(grep -c "^\[run\] recorded [0-9]* s in $T/results/stats.tsv: 100% " "$T/cycle.out")
	ok "$([ "$h" = 1 ]; echo $?)" "... and, at its end, what was recorded: every message"
	[ "$h" = 1 ] || { diag "$(grep "^\[run\]" "$T/cycle.out" | tail -n 3)"; diag "$(cut -c1-90 "$T/results/stats.tsv")"; }
	is "$(for p in throughput latency cpu memory; do head -c 4 "$T/results/$p.png" 2>/dev/null | od -An -c | tr -d ' \n'; grep -c "]($p.png)" "$T/results/report.md"; done | tr '\n' ' ')" \
		"211PNG1 211PNG1 211PNG1 211PNG1 " "report.md embeds the 4 PNGs beside it"
	is "$(grep -c '^\[slo\] \(p99<30s\|lost=0\): ok' "$T/cycle.out")" 4 "SLO=: held in make check and make report"
	run promtool check config "$T/results/prometheus.yml"
	is "$rc $(grep -c "targets: \['$NET\.[0-9]*:9500'\]" "$T/results/prometheus.yml")" "0 3" \
		"results/prometheus.yml: a scrape config of the 3 cellsrvs that promtool accepts"
	command -v tmux >/dev/null || { ok 0 "# SKIP no tmux"; return; }
	# make monitor in an 80x24 terminal; over ssh, through a SOCKS proxy
	# (ssh -D) on h01, as on aws through the bastion
	$TM new-session -d -s mon -x 80 -y 24 "make -C '$TOP' --no-print-directory NET=$NET FIRST=$FIRST SSH_PORT=$SSH_PORT \
		HOSTS_DIR='$T/hosts' RESULTS='$T/results' RUN_DIR='$T/run' STATE='$T/state' STAT_SECS=1 monitor \
		$([ "$tr" = ssh ] && echo "SCRAPE_VIA=h01 SOCKS_PORT=$((9600 + FIRST))") 2>'$T/mon.err'; sleep 30"
	for _ in $(seq 50); do
		sleep 0.2
		$TM capture-pane -p -t mon >"$T/screen" 2>/dev/null
		[ "$(grep -c '^h0[123] *up ' "$T/screen")" = 3 ] && break
	done
	$TM kill-server 2>/dev/null
	h="$(sed -n 1p "$T/screen" | grep -o '3 hosts: 3 up')$(grep -c '^h0[123] *up ' "$T/screen")"
	is "$h" "3 hosts: 3 up3" "make monitor$([ "$tr" = ssh ] && echo ' through a SOCKS proxy on h01'): a row per host, each up"
	[ "$h" = "3 hosts: 3 up3" ] || diag "make monitor said: $(head -c 300 "$T/mon.err")"
}

# cycle_test TRANSPORT APPENDFSYNC: the whole pipeline with $LAYOUT_T over
# TRANSPORT, then destroy.
cycle_test() {
	local tr=$1 fsync=$2 pids left
	run pm -j3 provision deploy run check report $LAYOUT_T TRANSPORT="$tr" APPENDFSYNC="$fsync" \
		STAT_SECS=1 PROGRESS=2 SLO='p99<30s lost=0'
	cat "$T/out" "$T/err" >"$T/cycle.out"
	ok "$rc" "TRANSPORT=$tr: make provision deploy run check report"
	[ "$rc" = 0 ] || diag "$(tail -n 5 "$T/err")"
	is "$(head -n 1 "$T/results/summary.txt" | grep -o 'hosts=[0-9]* ok=[0-9]* users=[0-9]*') $(head -n 1 "$T/results/summary.txt" |
		grep -o 'lost=[0-9]*\|duplicated=[0-9]*\|disordered=[0-9]*' | tr '\n' ' ')" \
		"hosts=3 ok=3 users=3000 lost=0 duplicated=0 disordered=0 " "summary: 3000 users, lost=0 duplicated=0 disordered=0"
	ok "$(grep -q '^\[summary\] 3,000 users, [0-9,]* relations, [0-9,]* messages, all verified$' "$T/out"; echo $?)" \
		"make printed the seed's closing line"
	is "$(cut -f1 "$T/results/times.tsv" | tr '\n' ' ')" "provision deploy run check " "times.tsv has every phase's wall time"
	is "$(grep -c '^| h0[123] | [0-9]* | [0-9]* | [0-9.]* | [0-9.]* |$' "$T/results/report.md") $(grep -c '^| h0[123] | [0-9.]* | [123] | ok | ' "$T/results/report.md")" \
		"3 3" "report.md has each host's deploy and check row"
	is "$(for h in h01 h02 h03; do [ -s "$T/results/$h/client.log" ] && tail -n 1 "$T/results/$h/check.txt" | grep -c ' lost=0 '; done | tr -d '\n')" \
		111 "every host has client.log and a passing check.txt"
	is "$(for k in appendonly appendfsync; do redis-cli -h "$(addr 2)" -p 7379 config get $k; done | tr '\n' ' ')" \
		"appendonly yes appendfsync $fsync " \
		"h02's redis-server: AOF on, appendfsync $fsync"
	watch_test "$tr"
	run pm -q "$T/results/h03/.checked"
	is "$rc" 0 "make -q: h03 is checked"
	run pm -j3 run check
	is "$rc $(grep -c '^\[h0[0-9]\] ' "$T/out")" "0 0" "run and check again redo no host"

	pids=$(with_descendants $(our_pids))
	if [ "$tr" = ssh ]; then
		is "$(listeners | grep -c ":$SSH_PORT$")" 3 "sshd listens on the 3 host addresses"
		is "$(grep -c '^Host h0[123]$' "$T/hosts/ssh_config") $(grep -c 'ControlMaster auto' "$T/hosts/ssh_config") $(ls "$T/state/ssh" | grep -c '^cm-')" \
			"3 1 3" "ssh_config has the 3 hosts; a ControlMaster socket per host is up"
	else
		is "$(listeners | grep -c ":$SSH_PORT$")" 0 "no sshd with TRANSPORT=local"
		ok "$( [ ! -e "$T/hosts/ssh_config" ]; echo $?)" "no ssh_config with TRANSPORT=local"
	fi
	run pm destroy
	ok "$rc" "destroy"
	left=$(still_running $pids)
	is "$left" "" "destroy left none of the $(echo $pids | wc -w) processes running"
	is "$(listeners | tr '\n' ' ')" "" "destroy left no listener on $(addr 1)..$(addr 3)"
}
