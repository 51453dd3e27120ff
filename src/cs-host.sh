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
#   cs-host ... h07 node ARGS...            run bin/cs-node -n h07 ARGS there
#   cs-host ... h07 sh 'COMMAND'            run a shell command there
# With -p PHASE a failure prints one line "[h07] PHASE failed: REASON" (the
# host's cs-node message or the first line of stderr, kept whole in -e FILE)
# and exits 1.
set -u
set -o pipefail

# usage [0]: the synopsis; asked for (-h, --help): on stdout, status 0.
usage() {
	echo "usage: cs-host [-v] [-t transport (local)] [-F ssh_config] [-d remote_dir (%h)]" \
	     "[-p phase] [-o out] [-e err] name ship bindir|archive.tar.gz inventory | node args... | sh command" >&"$(( ${1:-2} ? 2 : 1 ))"
	exit "${1:-2}"
}

transport=local cfg="" dir=%h phase="" out="" errf="" verbose=0
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
