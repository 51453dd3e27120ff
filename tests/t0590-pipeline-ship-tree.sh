# t0590-pipeline-ship-tree: SHIP=tree (PROVIDER=aws's default) ships the
# archive from the control host to h01 only; host k >= 2 reads it from its
# parent, host (k-2)/FANOUT+1, whose cs-serve serves it on addr:9502, and
# checks it against the sha256 made with the archive (mk/deploy.mk).
# First cs-serve alone on 127.0.10.250 (bad usage, byte-exact transfers,
# request bytes ignored, a stalled client dropped, -n bounding, idle exit);
# then a whole cycle HOSTS=5 USERS=1000 TRANSPORT=ssh SHIP_RUNTIME=1 SHIP=tree
# at 127.0.10.1-5: check passes; the sshd's byte counters (ss -tin) show the
# control host sent the archive over h01's connection only; the cs-serve logs
# show h02-h04 read it from h01 and h05 from h02; every bin/ is the runtime.
# A parent serving a corrupt file, or not serving at all: the child falls
# back to the control host, says so, and deploys. destroy leaves no cs-serve
# and no listener.
. "$(dirname "$0")/helper/lib.sh"
NET=127.0.10 FIRST=1
. "$(dirname "$0")/helper/pipeline.sh"

L="HOSTS=5 USERS=1000 SAME=6 CROSS=4 MSGS=2"
V="SHIP_RUNTIME=1 SHIP=tree"
RT=$BUILD/runtime
RTZ=$BUILD/runtime.tar.gz
SA=127.0.10.250 SP=9502

# --- the variables ----------------------------------------------------------
show() { pm --eval 'show: ; @echo $(SHIP) $(TREE)' show "$@" 2>&1; }
is "$(show PROVIDER=local HOSTS=5)" "direct" "PROVIDER=local: SHIP=direct"
is "$(show PROVIDER=aws HOSTS=5)" "tree h02:h01 h03:h01 h04:h01 h05:h02" "PROVIDER=aws: SHIP=tree, fan-out 3 from h01"
is "$(show SHIP=tree HOSTS=13 FANOUT=2 | tr ' ' '\n' | grep -c .) $(show SHIP=tree HOSTS=13 FANOUT=2 | tr ' ' '\n' | grep -x 'h0[4-7]:h0[23]\|h1[23]:h06' | tr '\n' ' ')" \
	"13 h04:h02 h05:h02 h06:h03 h07:h03 h12:h06 h13:h06 " "FANOUT=2: parent of host k is host (k-2)/2+1"
is "$(show SHIP=tree HOSTS=40 | tr ' ' '\n' | sed -n 's/.*://p' | sort | uniq -c | awk '{ print $1 }' | sort -n | uniq -c | tr -s ' \n' ' ')" \
	" 13 3 " "40 hosts, FANOUT=3: 13 parents (h01-h13) of 3 children each"
ok "$(show SHIP=p2p | grep -q "SHIP must be direct or tree: 'p2p'"; echo $?)" "SHIP=p2p is refused"
ok "$(show SHIP=tree FANOUT=0 | grep -q "FANOUT must be a number of 1 or more: '0'"; echo $?)" "FANOUT=0 is refused"

# --- cs-serve alone -----------------------------------------------------------
run cs-serve -h
is "$rc $(grep -c '^usage: cs-serve ' "$T/out")" "0 1" "cs-serve -h: usage, status 0"
expect_fail 2 '^usage: cs-serve ' "no file: usage, status 2" cs-serve
expect_fail 2 '^usage: cs-serve ' "two files: usage, status 2" cs-serve a b
expect_fail 2 '-p: must be a number from 1 to 65535: "0"' "-p 0: status 2" cs-serve -p 0 "$RTZ"
expect_fail 2 '-n: must be a number' "-n x: status 2" cs-serve -n x "$RTZ"
expect_fail 2 '-a: not an IPv4 address: "h01"' "-a h01: status 2" cs-serve -a h01 "$RTZ"
expect_fail 1 "^cs-serve: $T/none: No such file" "missing file: status 1, named" cs-serve "$T/none"
expect_fail 1 "^cs-serve: $T: not a regular file" "a directory: status 1" cs-serve "$T"

# get ADDR PORT NAME OUT [BYTES]: what a child does (bash's /dev/tcp), sending
# its name, or BYTES random bytes, before it reads.
get() {
	(exec 3<>"/dev/tcp/$1/$2" || exit 111
	 if [ -n "${5:-}" ]; then head -c "$5" /dev/urandom >&3; else printf '%s\n' "$3" >&3; fi
	 cat <&3 >"$4")
}
truncate -s 64M "$T/big"        # sparse: larger than the loopback socket buffers
cp "$RTZ" "$T/served" && sum0=$(sha256sum <"$T/served")
cs-serve -a $SA -p $SP -t 2 -s 1 -n 1 "$T/served" 2>"$T/serve.log" &
SPID=$!; track $SPID
wait_port $SA $SP 10 || diag "cs-serve did not start: $(cat "$T/serve.log")"   # a transfer too
run get $SA $SP c1 "$T/got1"
ok "$(cmp "$RTZ" "$T/got1"; echo $?)" "a client gets the file byte for byte"
run get $SA $SP c2 "$T/got2" 100000
ok "$(cmp "$RTZ" "$T/got2"; echo $?)" "100,000 random request bytes are ignored: the file all the same"
sleep 0.2
is "$(grep -c "transfer peer=127\.0\.0\.1:[0-9]* from=c1 bytes=$(stat -c %s "$RTZ")/$(stat -c %s "$RTZ") seconds=[0-9.]* ok$" "$T/serve.log")" 1 \
	"one log line for the transfer, naming the client and the bytes"
wait $SPID; src=$?
is "$src $(tail -n 1 "$T/serve.log")" "0 cs-serve: idle for 2 s after 3 transfers: exiting" "after -t 2 s without a client it exits 0"
is "$(sha256sum <"$T/served") $(ls "$T/served"* | wc -l)" "$sum0 1" "it wrote nothing: the file as it was, nothing beside it"

cs-serve -a $SA -p $SP -t 3 -s 1 -n 1 "$T/big" 2>"$T/serve.log" &
SPID=$!; track $SPID
wait_port $SA $SP 10
sleep 0.3
(exec 3<>"/dev/tcp/$SA/$SP"; printf 'stall\n' >&3; sleep 4) &
track $!
sleep 0.2
t0=$(date +%s%N)
run get $SA $SP late "$T/got3"
t1=$(date +%s%N)
ok "$(cmp "$T/big" "$T/got3"; echo $?)" "-n 1: a second client still gets the whole file"
ok "$([ $(( (t1 - t0) / 1000000 )) -ge 700 ]; echo $?)" "-n 1: ... after the first one's slot freed ($(( (t1 - t0) / 1000000 )) ms)"
is "$(grep -o 'from=[-a-z]* bytes=[0-9]*/[0-9]* seconds=[0-9.]* [a-z]*' "$T/serve.log" | sed 's/seconds=[0-9.]* //; s/bytes=[0-9]*\//bytes=N\//' | tr '\n' ' ')" \
	"from=- bytes=N/67108864 failed from=stall bytes=N/67108864 dropped from=late bytes=N/67108864 ok " \
	"the client that stalls is dropped after -s 1 s, then the next one served"
ok "$(grep 'from=stall' "$T/serve.log" | grep -q 'dropped: stalled$' && ! grep 'from=stall' "$T/serve.log" | grep -q 'bytes=67108864/'; echo $?)" \
	"the stalled client's line: dropped: stalled, short of the file"
stop_pid $SPID

# --- the whole cycle, SHIP=tree -------------------------------------------------
# rx: bytes each host's sshd connection received ("hNN BYTES"), from ss -tin.
rx() {
	ss -Htin state established "( sport = :$SSH_PORT )" | awk -v net="$NET." -v first="$FIRST" '
		/^ *[0-9]/ { a = $3; sub(/:[0-9]+$/, "", a); h = (index(a, net) == 1) ? substr(a, length(net) + 1) - first + 1 : 0; next }
		h && match($0, /bytes_received:[0-9]+/) { b[h] += substr($0, RSTART + 15, RLENGTH - 15); h = 0 }
		END { for (k in b) printf "h%02d %d\n", k, b[k] }' | sort
}
run pm -j5 provision deploy $L TRANSPORT=ssh $V
ok "$rc" "make provision deploy, TRANSPORT=ssh SHIP_RUNTIME=1 SHIP=tree, 5 hosts"
[ "$rc" = 0 ] || diag "$(tail -n 5 "$T/err")"
size=$(stat -c %s "$RTZ")
rx >"$T/rx"
is "$(awk -v s="$size" '{ printf "%s %s ", $1, ($2 >= s ? "archive" : ($2 < s / 10 ? "small" : "?")) }' "$T/rx")" \
	"h01 archive h02 small h03 small h04 small h05 small " "ss -tin: only h01's sshd received the archive from the control host"
diag "sshd bytes received: $(tr '\n' ' ' <"$T/rx")(archive $size)"
is "$(awk -v s="$size" '{ t += $2 } END { print (t < 1.2 * s) }' "$T/rx")" 1 "the control host sent less than 1.2 archives in all"
is "$(grep -o '^\[h0[1-5]\] ship: .*' "$T/out" | sort | tr '\n' ' ')" \
	"[h01] ship: from the control host [h02] ship: from h01 [h03] ship: from h01 [h04] ship: from h01 [h05] ship: from h02 " \
	"make says where each host got the archive"
is "$(grep -o 'from=h0[0-9] bytes=[0-9]*/[0-9]* seconds=[0-9.]* ok' "$T/run/h01/ship/serve.log" | sed 's/seconds=[0-9.]* //' | sort | tr '\n' ' ')" \
	"from=h02 bytes=$size/$size ok from=h03 bytes=$size/$size ok from=h04 bytes=$size/$size ok " "h01's cs-serve: h02, h03 and h04 read the whole archive"
is "$(grep -c ' transfer ' "$T/run/h01/ship/serve.log") $(grep -o 'from=h0[0-9] bytes=[0-9]*/[0-9]* seconds=[0-9.]* ok' "$T/run/h02/ship/serve.log" | sed 's/seconds=[0-9.]* //' | tr '\n' ' ')" \
	"3 from=h05 bytes=$size/$size ok " "h02's cs-serve: h05 read it; no other transfer from h01"
is "$(ls "$T"/run/h0[345]/ship/serve.log 2>/dev/null | wc -l)" 0 "h03, h04, h05 have no child: no cs-serve"
for h in h01 h02 h03 h04 h05; do
	ok "$(diff -r "$RT" "$T/run/$h/bin" >&2 && cmp "$RTZ" "$T/run/$h/ship/bin.tar.gz" && cmp "$T/hosts/inventory" "$T/run/$h/inventory"; echo $?)" \
		"$h: bin/ is build/runtime byte for byte; ship/bin.tar.gz is the archive; the inventory shipped"
done
for h in h01 h02; do
	p=$(cat "$T/run/$h/pid/cs-serve.pid")
	is "$(readlink "/proc/$p/exe") $(listeners | grep -c "^$(addr ${h#h0}):9502$")" "$T/run/$h/bin/cs-serve 1" \
		"$h: cs-serve (pid/cs-serve.pid) is the shipped copy, listening on :9502"
done
is "$(cat "$T/run/h05/ship/bin.tar.gz.sha256")" "$(cut -d' ' -f1 "$RTZ.sha256")  bin.tar.gz" "h05 keeps the sha256 the control host made"

run pm -j5 run check
ok "$rc" "make run check"
is "$(head -n 1 "$T/results/summary.txt" | grep -o 'hosts=[0-9]* ok=[0-9]* users=[0-9]*\| lost=[0-9]*\| duplicated=[0-9]*\| disordered=[0-9]*' | tr -d '\n')" \
	"hosts=5 ok=5 users=1000 lost=0 duplicated=0 disordered=0" "check: lost=0 duplicated=0 disordered=0"
run pm -j5 deploy $V
is "$rc $(grep -c '^\[h0[0-9]\] ' "$T/out")" "0 0" "deploy again redoes no host and ships nothing"

# --- a parent serving a corrupt archive ----------------------------------------
# Ship h01 and h02 again (h02 from h01), corrupt the file h02's cs-serve
# serves in place, then deploy: h05 must see the sha256 mismatch and get it
# from the control host.
rm -f "$T"/results/h0?/.deployed
run pm "$T/results/h02/.shipped" $V
is "$rc $(grep -o '^\[h0[1-5]\] ship: .*' "$T/out" | tr '\n' ' ')" "0 [h01] ship: from the control host [h02] ship: from h01 " \
	"make results/h02/.shipped ships h01 first, then h02 from it"
printf 'corrupt' | dd of="$T/run/h02/ship/bin.tar.gz" bs=1 seek=100000 conv=notrunc status=none
run pm -j5 deploy $V
ok "$rc" "deploy succeeds with h02 serving a corrupt archive"
[ "$rc" = 0 ] || diag "$(tail -n 5 "$T/err")"
ok "$(grep -q '^\[h05\] ship: from h02 failed (sha256 mismatch from h02 (127\.0\.10\.2:9502): [0-9]* bytes with sha256 [0-9a-f]*\.\.\., want [0-9a-f]*\.\.\.): from the control host$' "$T/out"; echo $?)" \
	"h05: make says the sha256 did not match and it shipped from the control host"
[ "$?" = 0 ] || diag "$(grep '^\[h05\]' "$T/out")"
is "$(grep -o '^\[h0[34]\] ship: .*' "$T/out" | sort | tr '\n' ' ')" "[h03] ship: from h01 [h04] ship: from h01 " "h03 and h04 still from h01"
ok "$(diff -r "$RT" "$T/run/h05/bin" >&2 && cmp "$RTZ" "$T/run/h05/ship/bin.tar.gz"; echo $?)" "h05: bin/ is the runtime all the same"
is "$(grep -c 'from=h05 .* ok$' "$T/run/h02/ship/serve.log") $(grep -c '^cell=5 ' "$T/results/h05/deploy.txt")" "1 1" \
	"h02 did send h05 its (corrupt) file; h05 deployed"

# --- a parent that does not serve ----------------------------------------------
# h02 stopped serving while its stamp says shipped: h05 tries for FETCH_WAIT s.
kill "$(cat "$T/run/h02/pid/cs-serve.pid")"
rm -f "$T/results/h02/.deployed" "$T/results/h05/.deployed" && touch "$T/results/h02/.shipped"
t0=$(date +%s)
FETCH_WAIT=1 run pm -j5 deploy $V
ok "$rc" "deploy succeeds with h02 not serving"
ok "$(grep -q '^\[h05\] ship: from h02 failed (h02 (127\.0\.10\.2:9502) not serving after 1 s): from the control host$' "$T/out"; echo $?)" \
	"h05: make says h02 did not serve within FETCH_WAIT=1 s ($(( $(date +%s) - t0 )) s in all) and it shipped from the control host"

# --- destroy ---------------------------------------------------------------------
pids=$(with_descendants $(our_pids))
serves=$(cat "$T"/run/h0?/pid/cs-serve.pid 2>/dev/null)
is "$(still_running $serves | wc -l)" 1 "cs-serve runs on h01 (pid/cs-serve.pid; h02's was killed)"
run pm destroy
ok "$rc" "destroy"
is "$(still_running $serves)" "" "destroy stopped every cs-serve"
is "$(still_running $pids)" "" "destroy left none of the $(echo $pids | wc -w) processes running"
is "$(listeners | tr '\n' ' ')" "" "destroy left no listener on $(addr 1)..$(addr 5)"
done_testing
