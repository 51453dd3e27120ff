#!/bin/bash
# cs-chaos: the nemesis of `make chaos`, as Jepsen runs one: while the run's
# clients work, it does four faults one after another, at times and on hosts
# drawn from a seed, each undone after a while, and logs every step:
#   kill a cellsrv with SIGKILL          heal restarts it after -d s (5)
#   freeze a cellsrv with SIGSTOP        SIGCONT after -z s (15)
#   kill a redis-server with SIGKILL     heal restarts it from its AOF after -d s
#   cut one peer link between two cells  nftables on the hosts' addresses, -c s (20)
# with 1 to gap+1 seconds between two faults.
# It reaches the hosts through cs-host (HOST..., as make's recipes do), so it
# works over every transport. It stops early when every client has
# finished. `analyze` reads the log and the clients' progress lines
# afterwards: what each fault cost in stalled progress.
#   cs-chaos -i inventory -l log [-s seed=1] [-g gap_secs=4] [-d down_secs=5]
#            [-z freeze_secs=15] [-c cut_secs=20] run HOST...
#   cs-chaos -l log -r results analyze host...
set -u

prog=cs-chaos
inv="" log="" seed=1 gap=4 down=5 freeze=15 cutsecs=20 res=""
usage() {
	echo "usage: cs-chaos -i inventory -l log [-s seed=$seed] [-g gap_secs=$gap] [-d down_secs=$down]" \
	     "[-z freeze_secs=$freeze] [-c cut_secs=$cutsecs] run cs-host-command... |" \
	     "-l log -r results analyze host..." >&"$(( ${1:-2} ? 2 : 1 ))"
	exit "${1:-2}"
}
die() { echo "$prog: $*" >&2; exit 1; }

[ "${1:-}" = --help ] && usage 0
while getopts i:l:s:g:d:z:c:r:h ch; do
	case $ch in
	i) inv=$OPTARG ;;
	l) log=$OPTARG ;;
	s) seed=$OPTARG ;;
	g) gap=$OPTARG ;;
	d) down=$OPTARG ;;
	z) freeze=$OPTARG ;;
	c) cutsecs=$OPTARG ;;
	r) res=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] && [ -n "$log" ] || usage
what=$1
shift
for v in "$seed" "$gap" "$down" "$freeze" "$cutsecs"; do case $v in ''|*[!0-9]*) die "not a number: \"$v\"" ;; esac; done

t_start=$(date +%s.%N)
# note HOST EVENT TEXT: one log line "EPOCH +SECONDS HOST EVENT TEXT".
note() {
	local now
	now=$(date +%s.%N)
	printf '%s +%s %s %s %s\n' "$now" "$(awk -v a="$t_start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')" "$@" |
		tee -a "$log"
}

# on HOST ARGS...: cs-node ARGS on HOST; its output (one line) is logged.
on() {
	local h=$1 out
	shift
	out=$("${HOST_CMD[@]}" "$h" node "$@" 2>&1 | tail -n 1) || { echo "$out"; return 1; }
	echo "$out"
}

# finished: every client has finished (make run would only wait).
finished() {
	local h
	for h in "${hosts[@]}"; do
		on "$h" status | grep -q 'msgclient finished (status 0)' || return 1
	done
}

do_run() {
	[ $# -ge 1 ] || usage
	[ -r "$inv" ] || die "$inv: cannot read"
	HOST_CMD=("$@")
	mapfile -t hosts < <(awk '!/^#/ && NF { print $1 }' "$inv")
	local n=${#hosts[@]} i f h peer out
	[ "$n" -ge 2 ] || die "chaos needs at least 2 hosts"
	RANDOM=$seed
	# The hosts in a seeded order: fault i hits host i (mod n), the cut
	# goes from that host to the next one.
	for ((i = n - 1; i > 0; i--)); do
		f=$((RANDOM % (i + 1))); h=${hosts[i]}; hosts[i]=${hosts[f]}; hosts[f]=$h
	done
	local faults=(kill-cellsrv stop-cellsrv kill-redis cut-link)
	for ((i = 3; i > 0; i--)); do
		f=$((RANDOM % (i + 1))); h=${faults[i]}; faults[i]=${faults[f]}; faults[f]=$h
	done
	mkdir -p "$(dirname "$log")"
	echo "# cs-chaos seed=$seed: ${faults[*]} on ${hosts[*]:0:4} ($(date -u '+%Y-%m-%d %H:%M:%S UTC'))" >>"$log"
	for i in 0 1 2 3; do
		sleep "$((RANDOM % (gap + 1) + 1))"
		if finished; then note - end "every client has finished: no more faults"; return 0; fi
		h=${hosts[i % n]} peer=${hosts[(i + 1) % n]}
		case ${faults[i]} in
		kill-cellsrv)
			out=$(on "$h" fault kill cellsrv) && note "$h" kill-cellsrv "$out" || note "$h" skipped "$out"
			sleep "$down"
			note "$h" heal "$(on "$h" heal)" ;;
		stop-cellsrv)
			out=$(on "$h" fault stop cellsrv) && note "$h" stop-cellsrv "$out" || note "$h" skipped "$out"
			sleep "$freeze"
			note "$h" cont-cellsrv "$(on "$h" fault cont cellsrv)" ;;
		kill-redis)
			out=$(on "$h" fault kill redis) && note "$h" kill-redis "$out" || note "$h" skipped "$out"
			sleep "$down"
			note "$h" heal "$(on "$h" heal)" ;;
		cut-link)
			if out=$(on "$h" fault cut "$peer"); then
				note "$h" cut-link "$out"
				sleep "$cutsecs"
				note "$h" uncut-link "$(on "$h" fault uncut "$peer")"
			else
				note "$h" skipped "$out"
			fi ;;
		esac
	done
	note - end "4 faults done"
}

# analyze HOST...: from the log and RESULTS/HOST/client.log (msgclient's
# progress lines "ts done total sent acked received retries" and its
# summary), for each fault: how long the faulted host's client made no
# progress (neither acked nor received moved) from the fault on, and what
# the fault cost the cluster: the acks missing in the window until the
# next fault, against the rate before the first fault, in seconds of the
# whole cluster's work. Then the requests per message of every host.
do_analyze() {
	[ $# -ge 1 ] && [ -n "$res" ] && [ -s "$log" ] || usage
	local h
	for h; do
		[ -s "$res/$h/client.log" ] || continue
		awk -v h="$h" 'NF == 7 && $1 ~ /^[0-9]+$/ { print "P", h, $1, $5, $6 }
			/^users=/ { print "S", h, $0 }' "$res/$h/client.log"
	done | awk -v logf="$log" '
		BEGIN {
			while ((getline l < logf) > 0) {
				if (l ~ /^#/) continue
				split(l, f, " ")
				if (f[4] ~ /^(kill-cellsrv|stop-cellsrv|kill-redis|cut-link)$/) {
					nf++; ft[nf] = int(f[1]); fh[nf] = f[3]; fk[nf] = f[4]; fo[nf] = f[2]
				}
			}
		}
		$1 == "P" { t = $3; key = $2; a[key, t] = $4; r[key, t] = $5; hosts[key] = 1
			if (!(t in seen)) { seen[t] = 1; ts[++nt] = t }
			if (!tmin || t < tmin) tmin = t; if (t > tmax) tmax = t }
		$1 == "S" { for (i = 3; i <= NF; i++) { split($i, kv, "="); s[$2, kv[1]] = kv[2] } if (!($2 in shs)) { shs[$2] = 1; sh[++ns] = $2 } }
		END {
			# cluster acked per second, each host carrying its last value
			for (t = tmin; t <= tmax; t++) {
				tot = 0
				for (h in hosts) { if ((h, t) in a) last[h] = a[h, t]; tot += last[h] }
				acked[t] = tot
			}
			base = (nf && ft[1] > tmin + 1) ? (acked[ft[1]] - acked[tmin]) / (ft[1] - tmin) : 0
			printf "fault | host | at | client of that host without progress | cluster work lost\n"
			for (i = 1; i <= nf; i++) {
				t0 = ft[i]; t1 = (i < nf) ? ft[i + 1] : tmax
				stall = 0; la = -1; lr = -1; run = 0
				for (t = t0; t <= t1; t++) {
					if (((fh[i], t) in a)) {
						if (a[fh[i], t] == la && r[fh[i], t] == lr) { run++; if (run > stall) stall = run }
						else run = 0
						la = a[fh[i], t]; lr = r[fh[i], t]
					}
				}
				lost = base > 0 ? ((t1 - t0) - (acked[t1] - acked[t0]) / base) : 0
				if (lost < 0) lost = 0
				printf "%s | %s | %s s | %d s | %.1f s\n", fk[i], fh[i], fo[i], stall, lost
			}
			printf "rate before the first fault: %.0f acked msgs/s\n", base
			for (i = 1; i <= ns; i++) {
				h = sh[i]; q = s[h, "requests"]; m = s[h, "sent"] - s[h, "sent_before"]
				if (m > 0) printf "%s requests=%d sent=%d requests_per_msg=%.2f retries=%d\n", h, q, m, q / m, s[h, "retries"]
			}
		}'
}

case $what in
run)     do_run "$@" ;;
analyze) do_analyze "$@" ;;
*)       usage ;;
esac
