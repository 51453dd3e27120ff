# t0730-stat-monitor: the grid in a real terminal (tmux, 80x24, read with
# capture-pane): 40 hosts fit, the healthy ones folded into one row as
# dshbak folds, every flagged host on a row of its own saying why (down,
# steal over 10%, no progress for 2 ticks, identity clash, Redis loading,
# AOF failing, Redis lost, peer links down, a restart); more flagged hosts
# than rows fold by flag. It redraws on its fixed refresh, never per line:
# thousands of lines a second give one frame a second. Needs tmux.
. "$(dirname "$0")/helper/lib.sh"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not found (make deps installs it)"; exit 0; }

# tick TS: 40 hosts' lines for one tick, the flagged ones as the comments say.
tick() {
	awk -v ts="$1" 'BEGIN {
		for (h = 1; h <= 40; h++) {
			n = sprintf("h%02d", h)
			if (h == 7) { printf "%s\t%s\tdown\terr=refused\tage=9\n", ts, n; continue }
			moved = (h == 9) ? 0 : 300                     # h09: a client that moves nothing
			stl = (h == 13) ? 0.5 : 0.01                   # h13: 25% of 2 CPUs stolen
			printf "%s\t%s\tup\tdt=1.000\tsent=%d\tacks=%d\tdlv=%d\tcpu=0.2", ts, n, moved, moved, moved
			printf "\tusr=0.7\tsys=0.2\tiow=0\tstl=%s\tidl=%.2f\tlat=0.001:0,0.002:%d", stl, 1.09 - stl, moved
			printf "\tncpu=2\tload=1\tmavail=3000000000\tmtotal=4000000000\trss=5000000"
			printf "\tloading=%d\taof=%s\tredis=%d\tpeers=%s", h == 11, h == 12 ? "err" : "ok", h != 20, h == 22 ? "38/39" : "39/39"
			printf "\tc=up\tc_users=100\tc_done=10\tc_acked=1000"
			if (h == 5) printf "\tclash=name:h06"
			if (h == 30) printf "\trestart=cellsrv"
			printf "\n"
		}
	}'
}
{ tick 1700000001.000; tick 1700000002.000; tick 1700000003.000; } >"$T/ticks"

TM="tmux -S $T/tmux.sock"
# The monitor reads a FIFO this test keeps open, as it reads stat-collect.
mkfifo "$T/fifo"
$TM new-session -d -s mon -x 80 -y 24 "stat-monitor -r 1 <'$T/fifo'; sleep 60"
exec 3>"$T/fifo"
cat "$T/ticks" >&3
sleep 2.5
$TM capture-pane -p -t mon >"$T/screen"
exec 3>&-
$TM kill-server 2>/dev/null
cat "$T/screen" | sed 's/^/# /'
is "$(sed -n 1p "$T/screen" | grep -o '40 hosts: 39 up, 0 stale, 1 down')" "40 hosts: 39 up, 0 stale, 1 down" \
	"the first line: 40 hosts, how many up and down"
is "$(wc -l <"$T/screen") $(awk 'length > 80' "$T/screen" | wc -l)" "24 0" "24 rows of at most 80 columns"
ok "$(grep -A1 '^31 hosts: *ok .* median of 31$' "$T/screen" | grep -q '^  h\[01-04,06,08,10,14-19,21,23-29,31-40\]$'; echo $?)" \
	"the 31 healthy hosts fold into one row: 31 hosts ok, h[01-04,06,08,...]"
for f in 'h05 .*CLASH name:h06' 'h07 *down *DOWN refused for 9 s' 'h09 .*STUCK' 'h11 .*LOADING' 'h12 .*AOF-ERR' \
	'h13 .* 25 .*STEAL' 'h20 .*NO-REDIS' 'h22 .*PEERS 38/39' 'h30 .*RESTART'; do
	ok "$(grep -q "^$f" "$T/screen"; echo $?)" "a row: $f"
done
is "$(grep -c '^h' "$T/screen")" 9 "and the 9 flagged ones"

# more flagged hosts than rows: those with the same flags fold too
awk -F'\t' -v OFS='\t' '{ if ($2 != "h40") { $3 = "down"; NF = 5; $4 = "err=timeout"; $5 = "age=" (NR % 7 + 3) } print }' \
	"$T/ticks" | stat-monitor -1 -g 80x24 >"$T/down"
ok "$(grep -q '^h\[01-39\] *down *DOWN timeout for [0-9]* s$' "$T/down"; echo $?)" "39 hosts down: one row h[01-39]"
ok "$(grep -q '^h40 *up ' "$T/down"; echo $?)" "... and the one up"

# a few hosts: one row each, no folding
grep -E '	h0[1-4]	' "$T/ticks" | stat-monitor -1 -g 80x24 >"$T/four"
is "$(grep -c '^h0[1-4] ' "$T/four")" 4 "4 hosts: a row each"

# the refresh is fixed: a stream of lines, one frame a second
( end=$((SECONDS + 4)); while [ $SECONDS -lt $end ]; do cat "$T/ticks"; done ) |
	stat-monitor -r 1 -g 80x24 >"$T/frames"
n=$(grep -c '^cellstress monitor' "$T/frames")
ok "$([ "$n" -ge 3 ] && [ "$n" -le 6 ]; echo $?)" "$n frames for 4 s of lines at full speed (-r 1)"
done_testing
