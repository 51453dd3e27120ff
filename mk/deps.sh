#!/bin/sh
# deps.sh: install the Debian packages cellstress needs when they are missing
# (mk/deps.mk calls it). Arguments are CHECK:PACKAGE pairs: a program name
# (found with command -v) or, after --pc, a pkg-config module. As root the
# missing packages are installed with apt-get, with a progress line every 5 s
# and no service started by the install (a policy-rc.d answering 101 while
# apt runs: Debian starts sshd and redis-server on install otherwise);
# otherwise the apt-get line to run is printed and the status is 1.
#   deps.sh [-l LOG] PROG:PKG... [--pc MODULE:PKG...] [--py MODULE:PKG...]
set -u
log=build/deps.log
[ "${1:-}" = -l ] && { log=$2; shift 2; }
PATH="$PATH:/usr/sbin:/sbin"
missing="" kind=prog
for p; do
	case $p in --pc) kind=pc; continue ;; --py) kind=py; continue ;; esac
	case $kind in
	pc) pkg-config --exists "${p%%:*}" 2>/dev/null ;;
	py) python3 -c "import ${p%%:*}" 2>/dev/null ;;
	*)  command -v "${p%%:*}" >/dev/null 2>&1 ;;
	esac || missing="$missing ${p#*:}"
done
missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
missing=${missing% }
[ -n "$missing" ] || exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages; as root run:" >&2
	echo "  apt-get install -y $missing" >&2
	exit 1
fi

echo "deps: installing $missing (apt-get; its output goes to $log)"
mkdir -p "$(dirname "$log")"
: >"$log"
policy=/usr/sbin/policy-rc.d ours=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# cellstress deps.sh: no service starts while it installs\nexit 101\n' >"$policy" &&
		chmod 755 "$policy" && ours=1
fi
ticker=""
cleanup() {
	[ -n "$ticker" ] && kill "$ticker" 2>/dev/null
	[ "$ours" = 1 ] && rm -f "$policy"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# set_up: packages set up by the last apt-get install in the log (a first
# attempt that failed before an update sets up some too).
set_up() { awk '/ upgraded, .* newly installed/ { n = 0 } /^Setting up / { n++ } END { print n + 0 }' "$log"; }
# One line every 5 s while apt works: how long, and how many packages are
# set up of how many (apt's summary: "U upgraded, N newly installed", both
# set up).
start=$(date +%s)
(
	while sleep 5; do
		total=$(awk '/^[0-9]+ upgraded, [0-9]+ newly installed/ { t = $1 + $3 } END { if (t != "") print t }' "$log")
		done_=$(set_up)
		echo "deps: still installing: $(( $(date +%s) - start )) s, $done_ of ${total:-?} packages set up"
	done
) &
ticker=$!
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >>"$log" 2>&1; }
if ! install; then
	echo "deps: apt-get install failed; trying apt-get update first" >>"$log"
	apt-get update -q >>"$log" 2>&1 && install || {
		echo "deps: apt-get install failed; the last lines of $log:" >&2
		tail -n 5 "$log" >&2
		exit 1
	}
fi
echo "deps: installed $(set_up) packages in $(( $(date +%s) - start )) s"
