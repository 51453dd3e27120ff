#!/bin/bash
# cs-record: the recording of a run, in the background of the make that runs
# the clients (mk/run.mk): a scrape command (stat-collect, or cs-host's
# socks wrapper around it) piped into stat-record, which keeps its lines in
# STATS (bounded) and prints the run's progress line every few seconds on
# make's output. At most one recording per STATS: the PIDs are kept beside
# it (.stat-collect.pid, .stat-record.pid).
#   start SCRAPE...   starts it unless one runs; SCRAPE gets -w PID, so it
#                     ends, after a last tick, when that process (make) does
#   stop              ends it: the scraper's last tick, then stat-record's
#                     last line; waits until both are done
#   status            exit 0 while a recording runs (make monitor follows it)
set -u

out="" max=134217728 progress=10 expected="" watch=""
usage() {
	echo "usage: cs-record -o stats [-M max_bytes=$max] [-p progress_secs=$progress] [-e expected]" \
	     "[-w pid] start scrape_command... | stop | status" >&"$(( ${1:-2} ? 2 : 1 ))"
	exit "${1:-2}"
}
die() { echo "cs-record: $*" >&2; exit 1; }

[ "${1:-}" = --help ] && usage 0
while getopts o:M:p:e:w:h ch; do
	case $ch in
	o) out=$OPTARG ;;
	M) max=$OPTARG ;;
	p) progress=$OPTARG ;;
	e) expected=$OPTARG ;;
	w) watch=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$out" ] && [ $# -ge 1 ] || usage
what=$1
shift
for v in "$max" "$progress" ${watch:+"$watch"}; do
	case $v in ''|*[!0-9]*) die "not a number: \"$v\"" ;; esac
done
bin=$(dirname "$0")
dir=$(dirname "$out")
pidf=$dir/.stat-collect.pid recf=$dir/.stat-record.pid
forget() { rm -f "$pidf" "$recf" "${pidf%.pid}.start" "${recf%.pid}.start"; }

# @proc.sh@

case $what in
start)
	[ $# -ge 1 ] || usage
	mkdir -p "$dir" || exit 1
	if ours "$recf" stat-record; then
		exit 0
	fi
	forget
	lines() { grep -vc '^#' "$out" 2>/dev/null; }
	before=$(lines)
	# The scraper's PID first (stop sends it TERM), then stat-record's.
	{ "$@" ${watch:+-w "$watch"} </dev/null & record $! "$pidf"; wait $!; } |
		"$bin/stat-record" -o "$out" -M "$max" -p "$progress" ${expected:+-e "$expected"} &
	record $! "$recf"
	# The scraper's first tick, at once, is what every count of the run
	# starts from: wait for it (a few seconds at most) before any client.
	for _ in $(seq 100); do
		[ "$(lines)" -gt "${before:-0}" ] && { sleep 0.1; break; }
		kill -0 "$!" 2>/dev/null || break
		sleep 0.05
	done
	;;
stop)
	[ $# -eq 0 ] || usage
	ours "$recf" stat-record || { forget; exit 0; }
	read -r rpid <"$recf"
	if ours "$pidf" stat-collect; then
		read -r spid <"$pidf"
		kill -TERM "$spid" 2>/dev/null
	fi
	# the scraper's last tick takes at most its timeout; stat-record then
	# writes its last line
	for _ in $(seq 300); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$rpid" 2>/dev/null; then
		echo "cs-record: the recorder (pid $rpid) did not end after 15 s; stopping it" >&2
		kill -TERM "$rpid" 2>/dev/null
	fi
	forget
	;;
status)
	[ $# -eq 0 ] || usage
	ours "$recf" stat-record
	;;
*) usage ;;
esac
