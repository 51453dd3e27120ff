# lib.sh: TAP helpers for the shell tests, sourced by every tests/t*.sh.
# (tests/helper/ holds what the tests share; the tests themselves are tests/t*.sh.)
# Gives: plan, ok, is, run (exit status + output capture), a scratch dir $T
# removed at exit, and start_redis/stop_pid for servers stopped by PID only.
set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BIN:=$TOP/bin}"
: "${BUILD:=$TOP/build}"
export TOP BIN BUILD
export PATH="$BIN:$PATH:/usr/sbin:/sbin"

T=$(mktemp -d "${TMPDIR:-/tmp}/cellstress-test.XXXXXX")
_pids=""
_n=0
_fail=0

_cleanup() {
	for p in $_pids; do
		kill "$p" 2>/dev/null && { for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null; }
	done
	rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

_planned=0
# plan N: the plan up front; a test that does not call it gets the plan
# printed by done_testing, after its cases (TAP allows either place), so
# no count is kept by hand.
plan() { echo "1..$1"; _planned=1; }

# ok COND_STATUS DESCRIPTION: pass when the status is 0.
ok() {
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _fail=$((_fail + 1)); fi
}

# is GOT WANT DESCRIPTION
is() {
	_n=$((_n + 1))
	if [ "$1" = "$2" ]; then echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"; _fail=$((_fail + 1))
		printf '#   got:  %s\n#   want: %s\n' "$(printf %s "$1" | head -c 400)" "$(printf %s "$2" | head -c 400)"
	fi
}

diag() { printf '# %s\n' "$*"; }

# run CMD...: runs CMD, leaves its status in $rc, stdout in $T/out, stderr in
# $T/err. A death by signal (status > 128) is never an expected failure.
run() {
	rc=0
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" -gt 128 ]; then diag "killed by signal: $*"; fi
}

# expect_fail STATUS PATTERN DESCRIPTION CMD...: CMD exits with STATUS and
# its stderr matches the extended regex PATTERN.
expect_fail() {
	local want=$1 pat=$2 desc=$3; shift 3
	run "$@"
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$pat" "$T/err"; then ok 0 "$desc"
	else ok 1 "$desc"; diag "status $rc (want $want); stderr: $(head -c 300 "$T/err")"; fi
}

# track PID: stop it (TERM, then KILL) when the test exits.
track() { _pids="$_pids $1"; }

# stop_pid PID: stop one process we started and wait until it is gone.
stop_pid() {
	kill "$1" 2>/dev/null || return 0
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
	kill -9 "$1" 2>/dev/null; return 0
}

# wait_port ADDR PORT [SECONDS]: wait until something listens there.
wait_port() {
	local i
	for i in $(seq $((${3:-10} * 20))); do
		(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# start_redis ADDR PORT [extra redis-server args]: a private redis-server in
# $T, no persistence unless asked; sets REDIS_PID.
start_redis() {
	local addr=$1 port=$2; shift 2
	mkdir -p "$T/redis-$addr-$port"
	redis-server --bind "$addr" --port "$port" --dir "$T/redis-$addr-$port" \
		--save '' --appendonly no --daemonize no --logfile "$T/redis-$addr-$port/log" \
		--protected-mode no "$@" &
	REDIS_PID=$!
	track "$REDIS_PID"
	wait_port "$addr" "$port" 10 || { diag "redis-server on $addr:$port did not start"; cat "$T/redis-$addr-$port/log" >&2; return 1; }
}

# done_testing: print the plan if none was given, exit 1 when anything failed.
done_testing() {
	[ "$_planned" = 1 ] || echo "1..$_n"
	[ "$_fail" -eq 0 ]
}

# commas N: N with thousands separators, as the tools print counts.
commas() { printf '%s\n' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }

# start_own_redis ADDR PORT [redis args]: start_redis, then make sure the
# server answering on ADDR:PORT is the one we started (a redis-server that
# cannot bind exits, and wait_port would then see somebody else's server).
# Tries PORT, PORT+100, ... (5 ports); sets REDIS_PID and REDIS_PORT.
start_own_redis() {
	local addr=$1 port=$2 i pid; shift 2
	for i in 0 1 2 3 4; do
		REDIS_PORT=$((port + 100 * i))
		if start_redis "$addr" "$REDIS_PORT" "$@" 2>/dev/null; then
			pid=$(redis-cli -h "$addr" -p "$REDIS_PORT" INFO server 2>/dev/null | tr -d '\r' | sed -n 's/^process_id://p')
			[ "$pid" = "$REDIS_PID" ] && return 0
		fi
		diag "$addr:$REDIS_PORT is taken by another process; trying the next port"
		stop_pid "$REDIS_PID"
	done
	return 1
}
