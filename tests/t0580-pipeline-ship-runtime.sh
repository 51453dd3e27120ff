# t0580-pipeline-ship-runtime: SHIP_RUNTIME=1 (PROVIDER=aws's default) ships
# a self-contained runtime: our host tools, this machine's redis-server and
# redis-cli and lib/ with every shared library they need except glibc's
# (mk/runtime.mk, cs-runtime). A whole cycle over TRANSPORT=ssh with 2 hosts
# at 127.0.7.81-82: the hosts run the shipped copies with their libraries
# from bin/lib (cellsrv's jemalloc too), cs-runtime's ldd check passes on
# each host's bin/ and fails for a runtime missing a library; check passes;
# destroy leaves nothing.
# Deploy ships build/runtime.tar.gz, built once for all hosts (one build,
# same inode and mtime across deploys) and deterministic (a rebuild from
# tools with other mtimes gives the same bytes).
# glibc's own libraries are told by dpkg (package libc6), not by cs-runtime.
. "$(dirname "$0")/helper/lib.sh"
NET=127.0.7 FIRST=81
. "$(dirname "$0")/helper/pipeline.sh"

L="HOSTS=2 USERS=1000 SAME=6 CROSS=4 MSGS=2"
RT=$BUILD/runtime
RTZ=$BUILD/runtime.tar.gz
dpkg -L libc6 | sed -n 's,.*/,,; /\.so/p' | sort -u >"$T/glibc"

# ship PROVIDER [VARS...]: SHIP_RUNTIME and what deploy ships, as make sees it.
ship() {
	pm --eval 'show-ship: ; @echo $(SHIP_RUNTIME) $(notdir $(SHIP_TAR))' show-ship PROVIDER="$@" 2>&1
}
is "$(ship local)" "0 bin.tar.gz" "PROVIDER=local: SHIP_RUNTIME=0, deploy ships bin/'s archive"
is "$(ship aws)" "1 runtime.tar.gz" "PROVIDER=aws: SHIP_RUNTIME=1, deploy ships the runtime's archive"
is "$(ship aws SHIP_RUNTIME=0) / $(ship local SHIP_RUNTIME=1)" "0 bin.tar.gz / 1 runtime.tar.gz" "SHIP_RUNTIME= on the command line wins for either provider"
ok "$(ship local SHIP_RUNTIME=yes | grep -q 'SHIP_RUNTIME must be 0 or 1'; echo $?)" "SHIP_RUNTIME=yes is refused"

# The archive: deterministic, so a second build from a relinked tool (same
# bytes, a new mtime: the runtime is rebuilt, cp keeps the mtime) must give
# the same bytes; the deploy below does that second build.
run pm runtime
ok "$rc" "make runtime"
cp "$RTZ" "$T/first.tar.gz"
is "$(od -An -tx1 -N8 "$RTZ" | tr -d ' ')" 1f8b080000000000 "runtime.tar.gz: gzip without file name or time (-n)"
is "$(tar --numeric-owner -tvzf "$RTZ" | awk '{ print $2, $4, $5 }' | sort -u | tr '\n' ' ')" "0/0 1970-01-01 00:00 " \
	"runtime.tar.gz: every member owned by 0/0 with mtime 0"
tar -tzf "$RTZ" >"$T/members"
ok "$({ LC_ALL=C sort -c "$T/members" && ! grep -qvx 'bin/.*' "$T/members"; }; echo $?)" \
	"runtime.tar.gz: members sorted by name, all under bin/ ($(wc -l <"$T/members"))"
touch "$BIN/cellsrv"

run pm -j2 provision deploy run check $L TRANSPORT=ssh SHIP_RUNTIME=1
ok "$rc" "make provision deploy run check, TRANSPORT=ssh SHIP_RUNTIME=1, 2 hosts"
[ "$rc" = 0 ] || diag "$(tail -n 5 "$T/err")"
is "$(grep -c '^  RUNTIME ' "$T/out") $(grep -c '^  TAR .*runtime\.tar\.gz$' "$T/out")" "1 1" \
	"make -j2 deploy of 2 hosts built the runtime and its archive once"
ok "$(cmp "$T/first.tar.gz" "$RTZ"; echo $?)" "the rebuilt runtime.tar.gz is byte-identical to the first"
id0=$(stat -c '%i %.9Y' "$RTZ")
is "$(head -n 1 "$T/results/summary.txt" | grep -o 'hosts=[0-9]* ok=[0-9]* users=[0-9]*\| lost=[0-9]*\| duplicated=[0-9]*\| disordered=[0-9]*' | tr -d '\n')" \
	"hosts=2 ok=2 users=1000 lost=0 duplicated=0 disordered=0" "check: lost=0 duplicated=0 disordered=0"
is "$(listeners | grep -c ":$SSH_PORT$")" 2 "deploy went through the loopback sshd on 127.0.7.81-82"

for h in h01 h02; do
	H=$T/run/$h
	ok "$([ -f "$H/bin/redis-server" ] && [ ! -L "$H/bin/redis-server" ] && [ -x "$H/bin/redis-cli" ] &&
		[ -n "$(ls "$H/bin/lib")" ]; echo $?)" "$h: bin/redis-server (a file), bin/redis-cli and bin/lib/ shipped"
	is "$(cd "$H/bin" && find . | sort | tr '\n' ' ')" "$(cd "$RT" && find . | sort | tr '\n' ' ')" \
		"$h: bin/ is the runtime, nothing else"
	ok "$(diff -r "$RT" "$H/bin" >&2; echo $?)" "$h: bin/'s files are the runtime's, byte for byte"
	ok "$(cmp "$T/hosts/inventory" "$H/inventory"; echo $?)" "$h: the inventory was shipped"
	p=$(cat "$H/pid/redis.pid")
	is "$(readlink "/proc/$p/exe")" "$H/bin/redis-server" "$h: the running redis-server is the shipped copy"
	# Every library mapped into redis-server and cellsrv is glibc's or bin/lib's.
	for n in redis cellsrv; do
		p=$(cat "$H/pid/$n.pid")
		awk '$6 ~ /\.so/ { print $6 }' "/proc/$p/maps" | sort -u >"$T/maps"
		is "$(while read -r f; do case $f in "$H/bin/lib/"*) ;; *) grep -qxF "${f##*/}" "$T/glibc" || echo "$f" ;; esac; done <"$T/maps" | tr '\n' ' ')" \
			"" "$h: $n maps $(grep -c "^$H/bin/lib/" "$T/maps") libraries from bin/lib, the others are glibc's"
	done
	# cellsrv allocates with jemalloc (mk/build.mk), shipped like the rest.
	ok "$(grep -qF " $H/bin/lib/libjemalloc.so.2" "/proc/$(cat "$H/pid/cellsrv.pid")/maps"; echo $?)" \
		"$h: cellsrv runs on the shipped jemalloc"
	run cs-runtime check "$H/bin"
	ok "$rc" "$h: cs-runtime check: every shipped ELF finds its libraries in bin/lib or glibc"
	[ "$rc" = 0 ] || diag "$(head -n 3 "$T/err")"
done

# The same, computed here: ldd (without LD_LIBRARY_PATH) of every program
# shipped, minus glibc's libraries per dpkg, is exactly the runtime's lib/.
for f in "$BIN"/gen-users "$BIN"/rg-split "$BIN"/redis-bulkload "$BIN"/cellsrv "$BIN"/msgclient "$BIN"/checkdb \
	"$(command -v redis-server)" "$(command -v redis-cli)"; do
	ldd "$f" | awk '$2 == "=>" { print $1 }'
done | sort -u | grep -vxF -f "$T/glibc" >"$T/want"
is "$(ls "$RT/lib" | tr '\n' ' ')" "$(tr '\n' ' ' <"$T/want")" \
	"lib/ holds exactly the non-glibc libraries of the shipped programs ($(wc -l <"$T/want"))"
is "$(ls "$RT/lib" | grep -cxF -f "$T/glibc")" 0 "no glibc library in lib/"
ok "$(cmp -s "$RT/redis-server" "$(readlink -f "$(command -v redis-server)")"; echo $?)" \
	"runtime's redis-server is this machine's, symlink resolved"

# The check fails when a library is missing or one is too many.
cp -a "$RT" "$T/broken"
rm "$T/broken/lib/libhiredis.so.0.14"
expect_fail 1 "cellsrv: libhiredis\.so\.0\.14 from /" "runtime without libhiredis: check names cellsrv's library" \
	cs-runtime check "$T/broken"
cp -a "$RT/lib/libhiredis.so.0.14" "$T/broken/lib/" && rm "$T/broken/lib/libjemalloc.so.2"
expect_fail 1 "redis-server: libjemalloc\.so\.2 from /" "runtime without libjemalloc: check names redis-server's library" \
	cs-runtime check "$T/broken"
cp -a "$RT/lib/libjemalloc.so.2" "$T/broken/lib/" && cp -L /usr/lib/x86_64-linux-gnu/libz.so.1 "$T/broken/lib/"
expect_fail 1 "lib/libz\.so\.1: needed by no program" "a library no program needs: check names it" \
	cs-runtime check "$T/broken"
rm "$T/broken/lib/libz.so.1"
run cs-runtime check "$T/broken"
ok "$rc" "restored: check passes again"

run pm -q runtime
is "$rc" 0 "make -q runtime: up to date after the deploy"
run pm -q "$T/results/h02/.deployed" SHIP_RUNTIME=1
is "$rc" 0 "make -q: h02 is deployed"

# Deploying both hosts again ships the same archive: not rebuilt.
rm -f "$T/results/h01/.deployed" "$T/results/h02/.deployed"
run pm -j2 deploy SHIP_RUNTIME=1
ok "$rc" "h01 and h02 deployed again with SHIP_RUNTIME=1"
is "$(grep -c '^  TAR ' "$T/out") $(stat -c '%i %.9Y' "$RTZ")" "0 $id0" \
	"runtime.tar.gz not rebuilt: the inode and mtime of the first deploy's"

# SHIP_RUNTIME=0 on a host deployed with 1: its bin/ is replaced, so it runs
# the system's redis-server again.
rm -f "$T/results/h01/.deployed"
run pm deploy-h01 SHIP_RUNTIME=0
ok "$rc" "h01 deployed again with SHIP_RUNTIME=0"
is "$(ls "$T/run/h01/bin/redis-server" "$T/run/h01/bin/lib" 2>/dev/null | wc -l) $(readlink "/proc/$(cat "$T/run/h01/pid/redis.pid")/exe")" \
	"0 $(readlink -f "$(command -v redis-server)")" "h01: no runtime left in bin/; redis-server is the system's"
ok "$(diff -r "$BIN" "$T/run/h01/bin" >&2; echo $?)" "h01: bin/ is this machine's bin/, byte for byte"

pids=$(with_descendants $(our_pids))
run pm destroy
ok "$rc" "destroy"
is "$(still_running $pids)" "" "destroy left none of the $(echo $pids | wc -w) processes running"
is "$(listeners | tr '\n' ' ')" "" "destroy left no listener on $(addr 1)..$(addr 2)"
done_testing
