#!/bin/bash
# cs-inventory: print hosts/inventory for USERS users in CELLS cells, one line
# per host "name addr cell lo hi [instance-id public-addr]" with the contract's
# split (cell k owns (k-1)*ceil(U/C)+1 .. min(k*ceil(U/C), U)). With -a NET
# host k gets address NET.(FIRST+k-1) (PROVIDER=local); without it the
# addresses come from stdin, one host per line "addr [instance-id public-addr]"
# in cell order (a cloud provider's launch output). -q only checks the layout.
set -u

users="" cells="" net="" first=1 quiet=0
# usage [0]: the synopsis; asked for (-h, --help): on stdout, status 0.
usage() {
	echo "usage: cs-inventory [-q] -n users -c cells [-a net [-f first=$first]]" >&"$(( ${1:-2} ? 2 : 1 ))"
	exit "${1:-2}"
}
die() { echo "cs-inventory: $*" >&2; exit 1; }

[ "${1:-}" = --help ] && usage 0
while getopts qn:c:a:f:h ch; do
	case $ch in
	q) quiet=1 ;;
	n) users=$OPTARG ;;
	c) cells=$OPTARG ;;
	a) net=$OPTARG ;;
	f) first=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] && [ -n "$users" ] && [ -n "$cells" ] || usage
num() { case $2 in ''|*[!0-9]*|0*) die "$1 must be a positive number: \"$2\"" ;; esac; }
num USERS "$users"
num HOSTS "$cells"
num FIRST "$first"
[ ${#users} -le 10 ] && [ "$users" -le 1000000000 ] || die "USERS must be at most 1000000000: \"$users\""
[ ${#cells} -le 5 ] && [ "$cells" -le 10000 ] || die "HOSTS must be at most 10000: \"$cells\""
size=$(( (users + cells - 1) / cells ))
[ $(( (cells - 1) * size + 1 )) -le "$users" ] ||
	die "USERS=$users HOSTS=$cells: cell $cells would be empty (each of $cells cells holds up to $size users)"
[ "$quiet" = 1 ] && [ -z "$net" ] && exit 0

if [ -n "$net" ]; then
	case $net in *[!0-9.]*|.*|*.|*..*) die "NET must look like 127.0.1: \"$net\"" ;; esac
	[ "$(echo "$net" | tr -cd . | wc -c)" -eq 2 ] || die "NET must be three numbers like 127.0.1: \"$net\""
	[ $((first + cells - 1)) -le 254 ] ||
		die "NET=$net FIRST=$first HOSTS=$cells: the last host would be $net.$((first + cells - 1)), past .254"
	[ "$quiet" = 1 ] && exit 0
	seq "$first" $((first + cells - 1)) | sed "s/^/$net./"
else
	cat
fi | awk -v users="$users" -v cells="$cells" -v size="$size" '
	!NF { next }
	{
		k++
		if (k > cells) { print "cs-inventory: <stdin>:" NR ": more than " cells " hosts" > "/dev/stderr"; bad = 1; exit 1 }
		lo = (k - 1) * size + 1; hi = k * size; if (hi > users) hi = users
		line = sprintf("h%02d %s %d %d %d", k, $1, k, lo, hi)
		for (i = 2; i <= NF; i++) line = line " " $i
		out[k] = line
	}
	END {
		if (bad) exit 1
		if (k != cells) { print "cs-inventory: <stdin>: " k + 0 " hosts, want " cells > "/dev/stderr"; exit 1 }
		printf "# cellstress inventory: %d users in %d cells\n# name addr cell lo hi [instance-id public-addr]\n", users, cells
		for (i = 1; i <= k; i++) print out[i]
	}'
