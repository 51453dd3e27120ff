#!/bin/bash
# cs-host: the operator's side of one host, the only place that knows the
# transport. TRANSPORT=local runs in the host's directory on this machine;
# TRANSPORT=ssh goes through ssh -F SSH_CONFIG (ControlMaster: one connection
# per host, reused by every step). make's per-host recipes call it:
#   cs-host ... h07 ship SRC INVENTORY      SRC as the host dir's bin/ (the old
#                                           one removed first) + the inventory;
#                                           SRC is an archive of bin/... (a
#                                           gzip'd tar, as make builds them:
#                                           sent as it is) or a directory
#                                           (archived on the fly)
#   cs-host ... h07 put ARCHIVE INVENTORY [IDLE]
#                                           SHIP=tree, from this host: the
#                                           archive (a file: sent as it is)
#                                           and the inventory, as ship does,
#                                           but the host keeps the archive in
#                                           ship/ and, with IDLE, serves it
#                                           to its children (cs-node serve)
#   cs-host ... h07 fetch PARENT ARCHIVE INVENTORY [IDLE]
#                                           SHIP=tree: the host reads the
#                                           archive from PARENT's cs-serve
#                                           (addr:PORT_SERVE, bash's /dev/tcp) and
#                                           checks it against ARCHIVE.sha256
#                                           (made here with ARCHIVE); only the
#                                           inventory comes from here. When
#                                           that fails, put from here instead.
#                                           Prints "[h07] ship: from PARENT"
#                                           or how it fell back
#   cs-host ... h07 node ARGS...            run bin/cs-node -n h07 ARGS there
#   cs-host ... h07 sh 'COMMAND'            run a shell command there
#   cs-host ... bastion socks PORT CMD...   run CMD here while a SOCKS proxy
#                                           on 127.0.0.1:PORT reaches the
#                                           network through that host (ssh
#                                           -D; with -t local, CMD alone):
#                                           how stat-collect scrapes private
#                                           hosts (make monitor, make run)
# fetch waits FETCH_WAIT s (10) for the parent to serve and reads for at
# most FETCH_SECS s (120), both from the environment.
# With -p PHASE a failure prints one line "[h07] PHASE failed: REASON" (the
# host's cs-node message or the first line of stderr, kept whole in -e FILE)
# and exits 1.
set -u
set -o pipefail

# @host.h@

transport=local cfg="" dir=%h phase="" out="" errf="" verbose=0
# usage [0]: the synopsis; asked for (-h, --help): on stdout, status 0.
usage() {
	echo "usage: cs-host [-v] [-t transport=$transport] [-F ssh_config] [-d remote_dir=$dir]" \
	     "[-p phase] [-o out] [-e err] name ship bindir|archive.tar.gz inventory |" \
	     "put archive.tar.gz inventory [idle] | fetch parent archive.tar.gz inventory [idle] |" \
	     "node args... | sh command | socks port command..." >&"$(( ${1:-2} ? 2 : 1 ))"
	exit "${1:-2}"
}

FETCH_WAIT=${FETCH_WAIT:-10} FETCH_SECS=${FETCH_SECS:-120}
[ "${1:-}" = --help ] && usage 0
while getopts vt:F:d:p:o:e:h ch; do
	case $ch in
	v) verbose=1 ;;
	t) transport=$OPTARG ;;
	F) cfg=$OPTARG ;;
	d) dir=$OPTARG ;;
	p) phase=$OPTARG ;;
	o) out=$OPTARG ;;
	e) errf=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
name=$1 what=$2
shift 2
dir=${dir//%h/$name}
case $dir in ''|/) echo "cs-host: bad host directory \"$dir\"" >&2; exit 2 ;; esac
case $transport in
local) ;;
ssh) [ -n "$cfg" ] || { echo "cs-host: TRANSPORT=ssh needs -F ssh_config" >&2; exit 2; } ;;
*) echo "cs-host: unknown transport \"$transport\" (local or ssh)" >&2; exit 2 ;;
esac

# q ARG: ARG single-quoted for the remote shell.
q() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

# on_host CMDSTRING: run a shell command string in the host's directory.
on_host() {
	local cmd="cd $(q "$dir") && $1"
	[ "$verbose" = 1 ] && echo "[$name] $transport: $cmd" >&2
	if [ "$transport" = ssh ]; then
		ssh -F "$cfg" "$name" "$cmd"
	else
		bash -c "$cmd"
	fi
}

# ship_on_host MODE NAME SHA256 IDLE PORT [PARENT WAIT_SECS READ_SECS]: SHIP=tree
# on the host, in its directory, before bin/ is there (so bash, coreutils,
# tar and gzip only). stdin: a tar of the inventory and, for put, of the
# archive as bin.tar.gz. fetch reads the archive from PARENT's cs-serve
# (its address from that inventory, port PORT) with bash's /dev/tcp,
# trying again with a growing delay (0.1 s doubling to 2 s) for WAIT_SECS
# while nothing listens there, the read bounded by READ_SECS (timeout).
# Either way the archive must have SHA256 (computed once, on the control
# host, when the archive was built); then it is kept as ship/bin.tar.gz
# (+ .sha256) and extracted as the new bin/ (the old one removed: replaced,
# not merged), and with IDLE > 0 bin/cs-node serves it to this host's
# children. A failure prints "cs-ship: REASON" and exits 1.
ship_on_host() {
	local mode=$1 name=$2 sha=$3 idle=$4 port=$5 parent=${6:-} wait=${7:-10} secs=${8:-120}
	local in=ship/.in addr="" got rc delay=100 waited=0
	fail() { echo "cs-ship: $*" >&2; exit 1; }
	rm -rf "$in" && mkdir -p "$in" && tar -C "$in" -xif - || fail "receiving from the control host failed"
	[ -s "$in/inventory" ] || fail "no inventory received"
	if [ "$mode" = fetch ]; then
		addr=$(awk -v n="$parent" '!/^#/ && $1 == n { print $2; exit }' "$in/inventory")
		[ -n "$addr" ] || fail "inventory: no host $parent"
		while :; do
			rc=0
			timeout "$secs" bash -c 'exec 3<>"/dev/tcp/$0/$3" 2>/dev/null || exit 111
				printf "%s\n" "$1" >&3 && cat <&3 >"$2"' "$addr" "$name" "$in/bin.tar.gz" "$port" || rc=$?
			[ "$rc" = 111 ] || break
			[ "$waited" -lt $((wait * 1000)) ] || fail "$parent ($addr:$port) not serving after $wait s"
			sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
			waited=$((waited + delay))
			[ "$delay" -ge 2000 ] || delay=$((delay * 2))
		done
		[ "$rc" = 124 ] && fail "reading from $parent ($addr:$port) took more than $secs s"
		[ "$rc" = 0 ] || fail "reading from $parent ($addr:$port) failed (status $rc)"
	fi
	[ -f "$in/bin.tar.gz" ] || fail "no archive received"
	got=$(sha256sum <"$in/bin.tar.gz") && got=${got%% *} || fail "sha256sum failed"
	[ "$got" = "$sha" ] || fail "sha256 mismatch${parent:+ from $parent ($addr:$port)}: $(stat -c %s "$in/bin.tar.gz") bytes with sha256 ${got:0:16}..., want ${sha:0:16}..."
	mv -f "$in/bin.tar.gz" ship/bin.tar.gz && echo "$sha  bin.tar.gz" >ship/bin.tar.gz.sha256 &&
		rm -rf bin && tar -xzf ship/bin.tar.gz && mv -f "$in/inventory" inventory && rm -rf "$in" ||
		fail "installing bin/ from ship/bin.tar.gz failed"
	[ "$idle" = 0 ] || exec bin/cs-node -n "$name" -I "$idle" serve
}

# tree MODE ARCHIVE INVENTORY IDLE [PARENT]: run ship_on_host there, its
# stdin the inventory and, for put, the archive (plain tars, blocking factor
# 1 so that the inventory's is not padded to 10 KB: the archive is already
# compressed); the archive's sha256 from ARCHIVE.sha256.
tree() {
	local mode=$1 src=$2 inv=$3 idle=$4 parent=${5:-} sha base cmd a
	[ -f "$src" ] && [ -r "$src" ] || { echo "cs-host: $src: no such archive" >&2; return 1; }
	[ -r "$inv" ] || { echo "cs-host: $inv: cannot read" >&2; return 1; }
	read -r sha _ 2>/dev/null <"$src.sha256"
	case ${sha:-} in *[!0-9a-f]*|'') echo "cs-host: $src.sha256: no sha256" >&2; return 1 ;; esac
	[ ${#sha} = 64 ] || { echo "cs-host: $src.sha256: no sha256" >&2; return 1; }
	case $idle in *[!0-9]*|'') echo "cs-host: idle seconds: not a number: \"$idle\"" >&2; return 2 ;; esac
	cmd="bash -c $(q "$(declare -f ship_on_host)"'; ship_on_host "$@"') cs-ship"
	for a in "$mode" "$name" "$sha" "$idle" "$PORT_SERVE" $parent ${parent:+$FETCH_WAIT $FETCH_SECS}; do cmd="$cmd $(q "$a")"; done
	[ "$verbose" = 1 ] && echo "[$name] $mode $src $inv${parent:+ from $parent} -> $dir" >&2
	base=$(basename "$src")
	{
		if [ "$mode" = put ]; then
			tar -C "$(dirname "$src")" -b 1 --transform "s,^${base//./\\.}\$,bin.tar.gz," -cf - "$base"
		fi && tar -C "$(dirname "$inv")" -b 1 -cf - "$(basename "$inv")"
	} | if [ "$transport" = ssh ]; then
		ssh -F "$cfg" "$name" "mkdir -p $(q "$dir") && cd $(q "$dir") && $cmd"
	else
		mkdir -p "$dir" && cd "$dir" && bash -c "$cmd"
	fi
}

# socks PORT CMD...: CMD runs here while `ssh -D 127.0.0.1:PORT NAME` (its
# own connection, not the ControlMaster's, which may come and go) serves a
# SOCKS proxy into the hosts' network; TERM or INT is passed on to CMD,
# and the tunnel ends with CMD. With transport local, CMD alone.
socks() {
	local port=$1 spid cpid rc=0 i
	shift
	case $port in ''|*[!0-9]*) echo "cs-host: socks port: not a number: \"$port\"" >&2; return 2 ;; esac
	if [ "$transport" = local ]; then
		"$@"
		return
	fi
	ssh -F "$cfg" -N -o ExitOnForwardFailure=yes -o ControlMaster=no -o ControlPath=none \
		-D "127.0.0.1:$port" "$name" </dev/null >/dev/null &
	spid=$!
	for i in $(seq 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		kill -0 "$spid" 2>/dev/null || { wait "$spid"; echo "cs-host: ssh -D 127.0.0.1:$port $name failed" >&2; return 1; }
		sleep 0.05
	done
	"$@" &
	cpid=$!
	trap 'kill -TERM "$cpid" 2>/dev/null' TERM INT
	while :; do
		wait "$cpid" && rc=0 || rc=$?
		kill -0 "$cpid" 2>/dev/null || break     # wait was cut short by a signal
	done
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	return "$rc"
}

go() {
	case $what in
	ship)
		[ $# -eq 2 ] || usage
		local src=$1 inv=$2
		{ [ -d "$src" ] || [ -f "$src" ]; } && [ -r "$src" ] || { echo "cs-host: $src: no such directory or archive" >&2; return 1; }
		[ -r "$inv" ] || { echo "cs-host: $inv: cannot read" >&2; return 1; }
		[ "$verbose" = 1 ] && echo "[$name] ship $src $inv -> $dir" >&2
		# One gzip stream: the archive of bin/ (sent byte for byte; a
		# directory is archived here, as bin/...), then a second gzip
		# member with a tar of the inventory alone, which tar -i (past the
		# first tar's end-of-archive blocks) extracts too. The host's bin/
		# is replaced, not merged: no program of an earlier deploy (e.g. a
		# shipped runtime's) stays behind.
		{
			if [ -d "$src" ]; then
				tar -C "$src" --transform 's,^\.,bin,' -czf - .
			else
				cat "$src"
			fi && tar -C "$(dirname "$inv")" -czf - "$(basename "$inv")"
		} |
			if [ "$transport" = ssh ]; then
				ssh -F "$cfg" "$name" "mkdir -p $(q "$dir") && rm -rf $(q "$dir/bin") && tar -C $(q "$dir") -xzif -"
			else
				mkdir -p "$dir" && rm -rf "$dir/bin" && tar -C "$dir" -xzif -
			fi
		;;
	put)
		[ $# -ge 2 ] && [ $# -le 3 ] || usage
		tree put "$1" "$2" "${3:-0}" || return
		echo "[$name] ship: from the control host"
		;;
	fetch)
		[ $# -ge 3 ] && [ $# -le 4 ] || usage
		local why rc=0 tmp
		tmp=$(mktemp "${TMPDIR:-/tmp}/cs-host.XXXXXX") || return 1
		tree fetch "$2" "$3" "${4:-0}" "$1" 2>"$tmp" || rc=$?
		why=$(sed -n 's/^cs-ship: //p' "$tmp" | tail -n 1)
		[ -z "$why" ] && why=$(grep -v '^[[:space:]]*$' "$tmp" | head -n 1)
		[ "$verbose" = 1 ] && cat "$tmp" >&2
		rm -f "$tmp"
		if [ "$rc" = 0 ]; then
			echo "[$name] ship: from $1"
			return 0
		fi
		[ "$rc" = 2 ] && return 2
		echo "[$name] ship: from $1 failed (${why:-exit status $rc}): from the control host"
		tree put "$2" "$3" "${4:-0}"
		;;
	node)
		local a cmd="exec bin/cs-node -n $(q "$name")"
		for a in "$@"; do cmd="$cmd $(q "$a")"; done
		on_host "$cmd" </dev/null
		;;
	sh)
		[ $# -eq 1 ] || usage
		if [ "$transport" = local ]; then mkdir -p "$dir"; fi
		on_host "$1"
		;;
	socks)
		[ $# -ge 2 ] || usage
		socks "$@"
		;;
	*) usage ;;
	esac
}

[ -n "$out" ] && exec >"$out"
if [ -z "$phase" ]; then
	go "$@"
	exit
fi
[ -n "$errf" ] || errf=$(mktemp "${TMPDIR:-/tmp}/cs-host.XXXXXX")
rc=0
go "$@" 2>"$errf" || rc=$?
if [ "$rc" -ne 0 ]; then
	# The reason: cs-node's own message, else the first line (the cause).
	reason=$(grep '^cs-node: ' "$errf" | tail -n 1 | sed 's/^cs-node: //')
	[ -z "$reason" ] && reason=$(grep -v '^[[:space:]]*$' "$errf" | head -n 1)
	[ -z "$reason" ] && [ -n "$out" ] && reason=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1)
	[ -z "$reason" ] && reason="exit status $rc"
	echo "[$name] $phase failed: $reason" >&2
	rc=1
elif [ -s "$errf" ] && [ "$verbose" = 1 ]; then
	sed "/^\[$name\] /!s/^/[$name] /" "$errf" >&2
fi
case $errf in "${TMPDIR:-/tmp}"/cs-host.*) rm -f "$errf" ;; esac
exit "$rc"
