#!/bin/bash
# cs-node: what the pipeline runs ON a host, in the host's directory (its
# "remote home": run/hNN locally, ~/cellstress on a cloud host). The operator's
# make reaches it through cs-host (sh -c or ssh); everything it starts is
# detached (setsid, no terminal, no inherited descriptors) so a dropped
# connection kills nothing, and recorded by PID under pid/ so stop finds it.
#
# What a host's directory holds (bin/, inventory, redis/, pid/, log/,
# msgclient.start and .rc, ship/) is described once, in docs/pipeline.md.
set -u
set -o pipefail

prog=cs-node
name="" same=20 cross=10 seed=1 msgs=5 fsync=everysec waitsecs=30 idle=60 stall=300
die() { echo "$prog: $*" >&2; exit 1; }
# usage [0]: the synopsis; asked for (-h, --help): on stdout, status 0.
usage() {
	echo "usage: cs-node -n name [-s same=$same] [-x cross=$cross] [-S seed=$seed] [-m msgs=$msgs]" \
	     "[-f appendfsync=$fsync] [-w wait_secs=$waitsecs] [-I serve_idle_secs=$idle] [-t stall_secs=$stall]" \
	     "deploy | start | go [time] | run | check | heal | fault kill|stop|cont name | fault cut|uncut host | serve | stop | status" >&"$(( ${1:-2} ? 2 : 1 ))"
	exit "${1:-2}"
}

[ "${1:-}" = --help ] && usage 0
while getopts n:s:x:S:m:f:w:I:t:h ch; do
	case $ch in
	n) name=$OPTARG ;;
	s) same=$OPTARG ;;
	x) cross=$OPTARG ;;
	S) seed=$OPTARG ;;
	m) msgs=$OPTARG ;;
	f) fsync=$OPTARG ;;
	w) waitsecs=$OPTARG ;;
	I) idle=$OPTARG ;;
	t) stall=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] && [ -n "$name" ] || usage
action=$1
shift
[ "$action" = fault ] || [ $# -eq 0 ] || { [ "$action" = go ] && [ $# -eq 1 ]; } || usage
for v in "$same" "$cross" "$seed" "$msgs" "$waitsecs" "$idle" "$stall"; do
	case $v in ''|*[!0-9]*) die "not a number: \"$v\"" ;; esac
done
case $fsync in always|everysec|no) ;; *) die "appendfsync must be always, everysec or no: \"$fsync\"" ;; esac

# A shipped runtime: its redis programs, and its libraries first for every
# program started from here (the tools, redis-server, redis-cli).
REDIS_SERVER=redis-server REDIS_CLI=redis-cli
[ -x bin/redis-server ] && REDIS_SERVER=$PWD/bin/redis-server
[ -x bin/redis-cli ] && REDIS_CLI=$PWD/bin/redis-cli
[ -d bin/lib ] && export LD_LIBRARY_PATH="$PWD/bin/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# @host.h@
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# @proc.sh@

# alive NAME: the process recorded in pid/NAME.pid runs and is the one
# spawn started (pid/NAME.start), never a stranger with its PID.
alive() { ours "pid/$1.pid" "$1"; }

# stop NAME...: TERM each recorded process group at once, wait up to 10 s for
# all, then KILL what is left. Only PIDs that pass alive() are touched.
stop() {
	local n pid pids="" i left
	for n; do
		if alive "$n"; then
			read -r pid <"pid/$n.pid"
			kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
			kill -CONT -- "-$pid" 2>/dev/null   # a stopped process acts on TERM only once continued
			pids="$pids $pid"
		fi
	done
	for i in $(seq 100); do
		left=""
		for pid in $pids; do running "$pid" && left="$left $pid"; done
		[ -z "$left" ] && break
		sleep 0.1
	done
	for pid in $left; do
		echo "$prog: pid $pid ignored TERM for 10 s; killing it" >&2
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
	done
	for n; do rm -f "pid/$n.pid" "pid/$n.start"; done
}

# spawn NAME LOG CMD...: start CMD detached in its own session, stdin from
# /dev/null, output appended to LOG (a restart keeps what the last one
# said); its PID (= its process group) goes to pid/NAME.pid, with its start
# time in pid/NAME.start (record).
spawn() {
	local n=$1 log=$2; shift 2
	mkdir -p pid log
	rm -f "pid/$n.pid" "pid/$n.start"    # a stale one (a dead earlier run) would pass the wait below
	export -f pstat started record
	setsid bash -c 'record $$ "pid/$0.pid" && exec "$@"' "$n" "$@" </dev/null >>"$log" 2>&1 &
	local i
	for i in $(seq $((waitsecs * 20))); do [ -s "pid/$n.pid" ] && return 0; sleep 0.05; done
	die "$n did not start"
}

# listening ADDR PORT: something accepts connections there.
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# healthz: cellsrv's /healthz answers 200 "ok" (bash's /dev/tcp, so a host
# needs no curl; each read waits at most 1 s).
healthz() {
	(
		local line body=""
		exec 3<>"/dev/tcp/$addr/$PORT_HTTP" || exit 1
		printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n' "$addr" >&3
		IFS= read -r -t 1 line <&3 || exit 1
		case $line in "HTTP/1."?" 200 "*) ;; *) exit 1 ;; esac
		while IFS= read -r -t 1 line <&3 && [ "$line" != $'\r' ]; do :; done
		IFS= read -r -t 1 body <&3
		[ "$body" = ok ]
	) 2>/dev/null
}

lastlog() { [ -s "$1" ] && tail -n 1 "$1" | tr -d '\r' | cut -c1-300; }

# whoami: this host's inventory line: sets addr cell lo hi, and users cells.
whoami() {
	[ -r inventory ] || die "no inventory in $(pwd)"
	read -r addr cell lo hi < <(awk -v n="$name" '!/^#/ && $1 == n { print $2, $3, $4, $5; exit }' inventory)
	[ -n "${addr:-}" ] || die "inventory: no host $name"
	read -r cells users < <(awk '!/^#/ && NF { c++; if ($5 > u) u = $5 } END { print c + 0, u + 0 }' inventory)
}

do_stop() {
	stop msgclient cellsrv redis
}

# serve: (re)start cs-serve on addr:PORT_SERVE with ship/bin.tar.gz, the archive
# this host's bin/ came from, for its children in deploy's tree (SHIP=tree);
# it exits after $idle s without a client, or `cs-node stop` ends it. A
# deploy does not stop it: children may still be fetching from it.
do_serve() {
	local i
	[ -s ship/bin.tar.gz ] || die "no ship/bin.tar.gz to serve"
	stop cs-serve
	: >ship/serve.log      # the log of this archive's serving only
	spawn cs-serve ship/serve.log bin/cs-serve -a "$addr" -p $PORT_SERVE -t "$idle" ship/bin.tar.gz
	for i in $(seq $((waitsecs * 20))); do
		grep -q '^cs-serve: serving ' ship/serve.log && return 0
		alive cs-serve || die "cs-serve on $addr:$PORT_SERVE exited: $(lastlog ship/serve.log | sed 's/^cs-serve: //')"
		sleep 0.05
	done
	die "cs-serve on $addr:$PORT_SERVE not serving after $waitsecs s"
}

# start_redis: redis-server on addr:PORT_REDIS with the AOF in redis/ (what
# is there is loaded: a restart never wipes), waiting until it answers PONG:
# up to -w s, and for as long as it is alive and still loading its AOF.
# Redis never starts a rewrite of its AOF itself: cellsrv does, one cell of
# the machine at a time (start_cellsrv).
start_redis() {
	local i=0 pong
	spawn redis log/redis.out "$REDIS_SERVER" --bind "$addr" --port $PORT_REDIS \
		--dir "$PWD/redis" --logfile "$PWD/redis/redis.log" --daemonize no \
		--appendonly yes --appendfsync "$fsync" --save '' --protected-mode no \
		--auto-aof-rewrite-percentage 0
	while :; do
		pong=$("$REDIS_CLI" -h "$addr" -p $PORT_REDIS ping 2>/dev/null)
		[ "$pong" = PONG ] && return 0
		alive redis || die "redis-server on $addr:$PORT_REDIS exited: $(lastlog redis/redis.log)"
		i=$((i + 1))
		case $pong in LOADING*) ;; *) [ $i -lt $((waitsecs * 10)) ] ||
			die "redis-server on $addr:$PORT_REDIS not answering after $waitsecs s" ;; esac
		sleep 0.1
	done
}

# start_cellsrv: cellsrv for this cell, waiting (-w s) until /healthz says ok.
# It starts its Redis's AOF rewrites (at 5 times the base: its -G default)
# holding AOF_LOCK, so the cells of one machine rewrite one at a time: a
# rewrite forks, and three at once took 6 GiB more than none
# (docs/rationale.md#why-one-aof-rewrite-per-machine-at-a-time).
AOF_LOCK=${TMPDIR:-/tmp}/cellstress-aof-rewrite.lock
start_cellsrv() {
	local i
	spawn cellsrv log/cellsrv.log bin/cellsrv -i inventory -k "$cell" -A "$AOF_LOCK"
	for i in $(seq $((waitsecs * 10))); do
		healthz && return 0
		alive cellsrv || die "cellsrv exited: $(lastlog log/cellsrv.log)"
		sleep 0.1
	done
	die "cellsrv on $addr:$PORT_HTTP/healthz not answering after $waitsecs s"
}

do_deploy() {
	local t0 i line
	t0=$(now)
	do_stop
	rm -rf redis log msgclient.start msgclient.go msgclient.rc
	mkdir -p redis log pid
	listening "$addr" $PORT_REDIS && die "redis address $addr:$PORT_REDIS already in use"
	listening "$addr" $PORT_HTTP && die "cellsrv address $addr:$PORT_HTTP already in use"
	listening "$addr" $PORT_PEER && die "cellsrv peer address $addr:$PORT_PEER already in use"

	start_redis
	bin/gen-users -n "$users" -c "$cells" -s "$same" -x "$cross" -S "$seed" -k "$cell" |
		bin/redis-bulkload -h "$addr" -p $PORT_REDIS >log/load.log 2>&1 ||
		die "loading cell $cell failed: $(lastlog log/load.log)"

	start_cellsrv
	line=$(tail -n 1 log/load.log)
	echo "cell=$cell addr=$addr $line deploy_seconds=$(since "$t0")"
}

# start: start the client unless it runs or has finished with status 0 (one
# whose last run failed, or died, is started again: the state is in Redis, so
# it carries on from there). The run phase starts every host's client before
# it waits for any, since a client finishes only when the clients of the
# other cells have sent it everything. The client sends nothing before
# the time in msgclient.go (go): make gives every client one release time
# once all have started (mk/run.mk says why).
do_start() {
	local rc end
	if [ -s msgclient.rc ]; then
		read -r rc end <msgclient.rc
		[ "$rc" = 0 ] && return 0
		rm -f msgclient.rc
	fi
	alive msgclient && return 0
	[ -s msgclient.start ] || now >msgclient.start
	spawn msgclient /dev/null bash -c \
		'bin/msgclient -i inventory -k "$0" -m "$1" -t "$2" -g msgclient.go >>log/msgclient.log 2>&1
		 echo "$? $(date +%s.%N)" >msgclient.rc.tmp && mv msgclient.rc.tmp msgclient.rc' \
		"$cell" "$msgs" "$stall"
}

# go [TIME]: release the client at TIME (Unix seconds, default now): kept in
# msgclient.go, which msgclient -g waits for, unless an earlier release is
# there (its time is the run's start).
do_go() {
	local at=${1:-$(now)}
	case $at in ''|*[!0-9.]*|*.*.*) die "go: not a time (Unix seconds): \"$at\"" ;; esac
	[ -s msgclient.go ] || { echo "$at" >msgclient.go.tmp && mv msgclient.go.tmp msgclient.go; }
}

# run: start and release the client as start and go do, then follow its log
# until it has finished. Re-running resumes: a running client is waited for,
# one that finished with status 0 is not run again, one that died or failed
# is started again.
do_run() {
	local pid rc end start
	do_start
	do_go
	touch log/msgclient.log
	if [ ! -s msgclient.rc ] && alive msgclient; then
		read -r pid <pid/msgclient.pid
		tail -n +1 -s 0.2 --pid="$pid" -f log/msgclient.log
	else
		cat log/msgclient.log
	fi
	[ -s msgclient.rc ] || die "msgclient stopped without an exit status (killed?); run again to resume"
	read -r rc end <msgclient.rc
	read -r start <msgclient.go
	echo "# msgclient status=$rc start=$start end=$end"
	[ "$rc" = 0 ] || die "msgclient exited with status $rc: $(grep -v '^#' log/msgclient.log | tail -n 1 | cut -c1-300)"
}

# label NAME: the program's name for people (redis -> redis-server).
label() { case $1 in redis) echo redis-server ;; *) echo "$1" ;; esac; }

# stopped NAME: the recorded process is stopped (state T, SIGSTOP).
stopped() {
	local pid
	read -r pid <"pid/$1.pid" && pstat "$pid" && [ "${PS[0]}" = T ]
}

# Peer-link cuts (make chaos): nftables rules that drop the TCP link from
# this host to PEER's peer port, both directions of that one connection
# (PEER's links to this host are other connections, left alone). Each cut
# is a table of its own, named by both addresses, so cuts on hosts sharing
# one machine (loopback) never clash, and uncut deletes only it.
NFT=nft
[ "$(id -u)" = 0 ] || NFT="sudo -n nft"
cut_table() { local t="cellstress_${addr}_$1"; echo "${t//./_}"; }
cuts() { $NFT list tables 2>/dev/null | sed -n "s/^table inet \(cellstress_${addr//./_}_[0-9_]*\)\$/\1/p"; }
peer_addr() {
	local a
	a=$(awk -v n="$1" '!/^#/ && $1 == n { print $2; exit }' inventory)
	[ -n "$a" ] || die "inventory: no host $1"
	[ "$a" != "$addr" ] || die "$1 is this host"
	echo "$a"
}
do_cut() {
	local pa t
	pa=$(peer_addr "$1") && t=$(cut_table "$pa") || exit 1
	command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || die "cutting a link needs nft (Debian package nftables)"
	PATH=$PATH:/usr/sbin:/sbin
	$NFT -f - <<-EOF || die "nft could not add table $t (root, or sudo without a password, is needed)"
	table inet $t {
		chain out { type filter hook output priority 0; ip saddr $addr ip daddr $pa tcp dport $PORT_PEER drop; ip saddr $pa tcp sport $PORT_PEER ip daddr $addr drop; }
		chain in { type filter hook input priority 0; ip saddr $pa tcp sport $PORT_PEER ip daddr $addr drop; }
	}
	EOF
}
do_uncut() {
	local pa
	pa=$(peer_addr "$1") || exit 1
	PATH=$PATH:/usr/sbin:/sbin
	$NFT delete table inet "$(cut_table "$pa")" 2>/dev/null || true
}
uncut_all() {
	local t
	PATH=$PATH:/usr/sbin:/sbin
	for t in $(cuts); do $NFT delete table inet "$t" 2>/dev/null; done
	return 0
}

# fault WHAT [ARG]: what make chaos does to a host (one line on stdout says
# what was done; the nemesis logs it):
#   kill NAME      SIGKILL the process group of NAME (redis, cellsrv, msgclient)
#   stop NAME      SIGSTOP it (freeze); cont NAME: SIGCONT
#   cut PEER       drop this host's peer link to host PEER; uncut PEER: restore
do_fault() {
	local what=${1:-} arg=${2:-} pid
	case $what in
	kill|stop|cont)
		case $arg in redis|cellsrv|msgclient) ;; *) usage ;; esac
		alive "$arg" || die "$(label "$arg") is not running"
		read -r pid <"pid/$arg.pid"
		case $what in
		kill) kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" ;;
		stop) kill -STOP -- "-$pid" 2>/dev/null || kill -STOP "$pid" ;;
		cont) kill -CONT -- "-$pid" 2>/dev/null || kill -CONT "$pid" ;;
		esac || die "kill -$what $pid failed"
		echo "fault: $what $(label "$arg") pid $pid"
		;;
	cut)   [ -n "$arg" ] || usage; do_cut "$arg"; echo "fault: cut the peer link to $arg" ;;
	uncut) [ -n "$arg" ] || usage; do_uncut "$arg"; echo "fault: restored the peer link to $arg" ;;
	*) usage ;;
	esac
}

# running_run: a run is in progress here: the client was started and has
# not finished with status 0.
running_run() {
	local rc end
	[ -s msgclient.start ] || return 1
	[ -s msgclient.rc ] || return 0
	read -r rc end <msgclient.rc
	[ "$rc" != 0 ]
}

# heal: start what should run here and does not, never deleting anything:
# redis-server from its own AOF, cellsrv, and while a run is in progress the
# client (which carries on from the server's state). One line saying what
# it restarted, or that all was running. Safe at any time, idempotent.
do_heal() {
	local did="" t0 kb n pid
	[ -d redis ] || die "not deployed here (no redis/): make deploy-$name"
	# A process frozen with SIGSTOP (a nemesis that died, an operator's
	# ^Z) counts as down to everyone else: continue it.
	for n in redis cellsrv msgclient; do
		alive "$n" && stopped "$n" || continue
		read -r pid <"pid/$n.pid"
		kill -CONT -- "-$pid" 2>/dev/null || kill -CONT "$pid"
		did="${did:+$did, }$(label "$n") was stopped: continued"
	done
	[ -n "$(cuts)" ] && { uncut_all; did="${did:+$did, }peer link cut: restored"; }
	if ! alive redis; then
		listening "$addr" $PORT_REDIS && die "redis-server is down and $addr:$PORT_REDIS is taken by another process"
		kb=$(du -sk redis 2>/dev/null | cut -f1)
		t0=$(now)
		start_redis
		did="redis-server restarted (AOF $(awk -v k="${kb:-0}" 'BEGIN { printf "%.1f", k / 1024 }') MB loaded in $(since "$t0") s)"
	fi
	if ! alive cellsrv; then
		listening "$addr" $PORT_HTTP && die "cellsrv is down and $addr:$PORT_HTTP is taken by another process"
		start_cellsrv
		did="${did:+$did, }cellsrv restarted"
	fi
	if running_run && ! alive msgclient; then
		do_start
		did="${did:+$did, }msgclient restarted"
	fi
	echo "heal: ${did:-all running}"
}

# uptime_of PID: how long the process has run, as 3h04m, 12m03s or 42s.
uptime_of() {
	local start up s
	start=$(started "$1") || return
	read -r up _ </proc/uptime
	s=$(( ${up%.*} - start / $(getconf CLK_TCK) ))
	if [ $s -ge 3600 ]; then printf '%dh%02dm' $((s / 3600)) $((s % 3600 / 60))
	elif [ $s -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60))
	else printf '%ds' "$s"; fi
}

do_check() {
	bin/checkdb -i inventory -k "$cell" -m "$msgs"
}

# status: one line, each process up (PID, uptime) or down; the client's
# state: running, finished (its status), or not started.
do_status() {
	local n label pid out="" rc end
	for n in redis cellsrv msgclient cs-serve; do
		label=$n
		[ $n = redis ] && label=redis-server
		if alive "$n" && stopped "$n"; then
			read -r pid <"pid/$n.pid"
			out="$out, $label STOPPED (pid $pid, SIGSTOP: make heal continues it)"
		elif alive "$n"; then
			read -r pid <"pid/$n.pid"
			out="$out, $label up (pid $pid, $(uptime_of "$pid")$([ $n = msgclient ] && [ ! -e msgclient.go ] && echo ", not released yet"))"
		elif [ $n = msgclient ] && [ -s msgclient.rc ]; then
			read -r rc end <msgclient.rc
			out="$out, $label finished (status $rc)"
		elif [ $n = msgclient ] && [ ! -s msgclient.start ]; then
			out="$out, $label not started"
		elif [ $n != cs-serve ]; then
			out="$out, $label DOWN"
		fi
	done
	[ -n "${addr:-}" ] && [ -n "$(cuts 2>/dev/null)" ] && out="$out, peer link cut ($(cuts | sed 's/^cellstress_[0-9_]*_\([0-9]*_[0-9]*_[0-9]*_[0-9]*\)$/\1/; s/_/./g' | paste -sd' '))"
	echo "status: ${out#, }"
}

case $action in
deploy) whoami; do_deploy ;;
start)  whoami; do_start ;;
go)     whoami; do_go "$@" ;;
run)    whoami; do_run ;;
check)  whoami; do_check ;;
heal)   whoami; do_heal ;;
fault)  whoami; do_fault "$@" ;;
serve)  whoami; do_serve ;;
stop)   stop msgclient cellsrv redis cs-serve; ( whoami 2>/dev/null && [ -n "$(cuts)" ] && uncut_all ); true ;;
status) ( whoami 2>/dev/null ) && whoami; do_status ;;
*)      usage ;;
esac
