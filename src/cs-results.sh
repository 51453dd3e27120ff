#!/bin/bash
# cs-results: the operator-side bookkeeping of a run, all under RESULTS:
#   phase NAME SINCE HOST...  wall time of a phase: over the hosts whose
#                             RESULTS/HOST/NAME.time ("START END") was written
#                             since SINCE (epoch seconds), max(END)-min(START);
#                             provision: now-SINCE. Appends "NAME SECONDS HOSTS
#                             END" to RESULTS/times.tsv and prints one line.
#   summary HOST...           sums the key=value fields of the last line of each
#                             RESULTS/HOST/check.txt (checkdb's verdict), adds
#                             the latest wall time of each phase, prints it and
#                             writes RESULTS/summary.txt
#   report HOST...            results/report.md (on stdout) from the same
#   cost [PRICES]             appends an "AWS cost" table to RESULTS/report.md
#                             (once) from RESULTS/cost.txt, ec2-kill's hours
#                             and estimate
set -u

# usage [0]: the synopsis; asked for (-h, --help): on stdout, status 0.
usage() {
	echo "usage: cs-results -r results [-i inventory] [-l layout] phase name since host... | summary host... | report host... | cost [prices]" >&"$(( ${1:-2} ? 2 : 1 ))"
	exit "${1:-2}"
}
die() { echo "cs-results: $*" >&2; exit 1; }

res="" inv="" layout=""
[ "${1:-}" = --help ] && usage 0
while getopts r:i:l:h ch; do
	case $ch in
	r) res=$OPTARG ;;
	i) inv=$OPTARG ;;
	l) layout=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$res" ] && [ $# -ge 1 ] || usage
what=$1
shift
[ -n "$layout" ] || layout=$(dirname "${inv:-.}")/layout.mk
mkdir -p "$res" || exit 1

do_phase() {
	[ $# -ge 2 ] || usage
	local phase=$1 since=$2 now line
	shift 2
	case $since in ''|*[!0-9.]*) die "not a time: \"$since\"" ;; esac
	now=$(date +%s.%N)
	if [ "$phase" = provision ]; then
		line=$(awk -v a="$since" -v b="$now" -v n=$# 'BEGIN { printf "%s\t%.2f\t%d\t%.0f\n", "provision", b - a, n, b }')
	else
		# a host counts when its time file was written since the phase
		# began (to the nanosecond: a host redone by `make deploy-h07` in
		# the same second as this make's start is not part of this phase)
		line=$(for h; do
			f=$res/$h/$phase.time
			[ -s "$f" ] && echo "$(stat -c %.9Y "$f") $(head -n 1 "$f")"
		done | awk -v p="$phase" -v since="$since" '
			$1 >= since && NF >= 3 { n++; if (!s || $2 < s) s = $2; if ($3 > e) e = $3 }
			END { if (n) printf "%s\t%.2f\t%d\t%.0f\n", p, e - s, n, e }')
	fi
	if [ -z "$line" ]; then
		echo "[$phase] all $# hosts were done already"
		return 0
	fi
	printf '%s\n' "$line" >>"$res/times.tsv"
	printf '%s\n' "$line" | awk -F'\t' '{ printf "[%s] %d host%s in %.2f s\n", $1, $3, ($3 == 1 ? "" : "s"), $2 }'
}

# checks HOST...: "HOST OK|FAIL|MISSING key=value..." per host, from the last
# key=value line of its check.txt; OK needs the .checked stamp too.
checks() {
	local h f last st
	for h; do
		f=$res/$h/check.txt
		last=""
		[ -s "$f" ] && last=$(grep '=' "$f" | tail -n 1)
		if [ -z "$last" ]; then st=MISSING
		elif [ -e "$res/$h/.checked" ]; then st=OK
		else st=FAIL; fi
		echo "$h $st $last"
	done
}

# times: the latest line of each phase in times.tsv, in pipeline order.
times() {
	[ -s "$res/times.tsv" ] || return 0
	awk -F'\t' '{ t[$1] = $2 } END {
		n = split("provision deploy run check", p, " ")
		for (i = 1; i <= n; i++) if (p[i] in t) printf "%s\t%s\n", p[i], t[p[i]] }' "$res/times.tsv"
}

# totals: one line "hosts=N ok=N key=sum..." over the checks (keys in the
# order checkdb prints them; *seconds fields take the maximum).
totals() {
	checks "$@" | awk '
		{ hosts++; if ($2 == "OK") ok++
		  for (i = 3; i <= NF; i++) {
			k = $i; sub(/=.*/, "", k); v = substr($i, length(k) + 2)
			if (v !~ /^-?[0-9]+(\.[0-9]+)?$/) continue
			if (!(k in sum)) keys[++nk] = k
			if (k ~ /seconds$/) { if (v > sum[k]) sum[k] = v } else sum[k] += v
		  } }
		END { printf "hosts=%d ok=%d", hosts, ok
		      for (i = 1; i <= nk; i++) printf " %s=%s", keys[i], sum[keys[i]]
		      printf "\n" }'
}

commas() { printf '%s' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

do_summary() {
	[ $# -ge 1 ] || usage
	local tot bad verdict h st
	tot=$(totals "$@")
	bad=$(checks "$@" | awk '$2 != "OK" { printf " %s(%s)", $1, tolower($2) }')
	if [ -z "$bad" ] && [ "$(field "$tot" lost)" = 0 ] && [ "$(field "$tot" duplicated)" = 0 ] &&
	   [ "$(field "$tot" disordered)" = 0 ]; then
		verdict="all verified"
	else
		verdict="NOT verified:${bad:- lost/duplicated/disordered not 0}"
	fi
	{
		echo "$tot"
		times | awk -F'\t' '{ printf "%s%s=%ss", (NR > 1 ? " " : ""), $1, $2 } END { if (NR) printf "\n" }'
		if [ -n "$(field "$tot" users)" ]; then
			printf "%s users, %s relations, %s messages, %s\n" \
				"$(commas "$(field "$tot" users)")" "$(commas "$(field "$tot" relations)")" \
				"$(commas "$(field "$tot" sent)")" "$verdict"
		else
			echo "no host checked yet; $verdict"
		fi
	} >"$res/summary.txt.tmp" && mv "$res/summary.txt.tmp" "$res/summary.txt"
	sed 's/^/[summary] /' "$res/summary.txt"
	case $verdict in "all verified") return 0 ;; *) return 1 ;; esac
}

do_report() {
	[ $# -ge 1 ] || usage
	local tot keys
	tot=$(totals "$@")
	echo "# cellstress report"
	echo
	echo "Written $(date -u '+%Y-%m-%d %H:%M UTC') from \`$res\`."
	if [ -r "$layout" ]; then
		echo "Layout: $(sed -n 's/^LAYOUT_\([A-Z]*\) := \(.*\)$/\1=\2/p' "$layout" | tr '\n' ' ')"
	fi
	echo
	echo "## Result"
	echo
	[ -s "$res/summary.txt" ] && sed -n '$p' "$res/summary.txt" && echo
	keys=$(printf '%s\n' "$tot" | tr ' ' '\n' | sed 's/=.*//')
	echo "| $(echo $keys | sed 's/ / | /g') |"
	echo "|$(for k in $keys; do printf -- '---:|'; done)"
	echo "| $(printf '%s\n' "$tot" | tr ' ' '\n' | sed 's/^[^=]*=//' | paste -sd'|' | sed 's/|/ | /g') |"
	echo
	echo "## Phase wall times"
	echo
	echo "| phase | seconds |"
	echo "|---|---:|"
	times | awk -F'\t' '{ printf "| %s | %s |\n", $1, $2 }'
	echo
	echo "## Deploy"
	echo
	echo "| host | users loaded | relations loaded | load seconds | deploy seconds (on the host) |"
	echo "|---|---:|---:|---:|---:|"
	for h; do
		[ -s "$res/$h/deploy.txt" ] || continue
		tail -n 1 "$res/$h/deploy.txt" | awk -v h="$h" '{
			for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v[k] = substr($i, length(k) + 2) }
			printf "| %s | %s | %s | %s | %s |\n", h, v["users"], v["relations"], v["seconds"], v["deploy_seconds"] }'
	done
	echo
	if [ -s "$res/chaos.log" ]; then
		echo "## Chaos"
		echo
		echo "The nemesis of \`make chaos\` ($(sed -n '1s/^# cs-chaos //p' "$res/chaos.log")):"
		echo
		grep -v '^#' "$res/chaos.log" | cut -d' ' -f2- | sed 's/^/    /'
		if [ -s "$res/chaos.txt" ]; then
			echo
			sed -n '1{s/^/| /; s/$/ |/; p; s/[^|]*/---/g; s/^---/|/; p}' "$res/chaos.txt" | sed '2s/|---|/|---|/'
			sed -n '2,/^rate/{/^rate/!{s/^/| /; s/$/ |/; p}}' "$res/chaos.txt"
			echo
			sed -n '/^rate/,$p' "$res/chaos.txt" | sed 's/$/  /'
		fi
		echo
	fi
	echo "## Hosts"
	echo
	checks "$@" | awk -v inv="${inv:-/dev/null}" '
		BEGIN { while ((getline l < inv) > 0) if (l !~ /^#/) { split(l, f, " "); addr[f[1]] = f[2]; cell[f[1]] = f[3] } }
		{ host[NR] = $1; st[NR] = $2
		  for (i = 3; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = substr($i, length(k) + 2)
			if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }; val[NR, k] = v } }
		END {
			printf "| host | addr | cell | check |"; for (i = 1; i <= nk; i++) printf " %s |", keys[i]; printf "\n"
			printf "|---|---|---:|---|"; for (i = 1; i <= nk; i++) printf "---:|"; printf "\n"
			for (r = 1; r <= NR; r++) {
				printf "| %s | %s | %s | %s |", host[r], addr[host[r]], cell[host[r]], tolower(st[r])
				for (i = 1; i <= nk; i++) printf " %s |", val[r, keys[i]]
				printf "\n" } }'
}

# cost: the "AWS cost" section of report.md, from ec2-kill's lines in
# cost.txt ("hours TYPE H usd X", "total hours H usd X unpriced N"); added
# once, and only to a report that exists (destroy runs after report).
do_cost() {
	[ $# -le 1 ] || usage
	local prices=${1:-the price table}
	[ -s "$res/cost.txt" ] || die "$res/cost.txt: no cost to report"
	[ -f "$res/report.md" ] || return 0
	grep -q '^## AWS cost' "$res/report.md" && return 0
	awk -v prices="$prices" '$1 == "hours" { printf "| %s | %s | %s |\n", $2, $3, ($5 == "-" ? "no price" : "$" $5) }
	     $1 == "total" { t = sprintf("\n%s instance-hours, estimated $%s (%s types without a price; on-demand prices of %s, a snapshot)\n", $3, $5, $7, prices) }
	     BEGIN { print "\n## AWS cost\n\n| instance type | instance-hours | estimated cost |\n|---|---|---|" }
	     END { printf "%s", t }' "$res/cost.txt" >>"$res/report.md"
}

case $what in
cost)    do_cost "$@" ;;
phase)   do_phase "$@" ;;
summary) do_summary "$@" ;;
report)  do_report "$@" ;;
*)       usage ;;
esac
