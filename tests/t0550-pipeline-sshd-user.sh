# t0550-pipeline-sshd-user: the loopback sshd of TRANSPORT=ssh works for a
# user who is not root: cs-sshd started as an unprivileged login user serves
# ssh and the cs-host ship/sh path as that user, and stop leaves no listener.
# As root it runs as a login user of its own (see below).
. "$(dirname "$0")/helper/lib.sh"
FIRST=61
. "$(dirname "$0")/helper/pipeline.sh"

# As root the test makes its own login user (useradd, removed at exit), so it
# runs on any machine; the tools run from a copy of bin/ in $T, so the
# checkout need not be readable by that user (root's home is mode 700).
TUSER=cellstress-t0550 made_user=0
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null || { echo "1..0 # SKIP setpriv not found (util-linux)"; exit 0; }
	if ! id -u "$TUSER" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent --shell /bin/bash "$TUSER" 2>"$T/useradd.err" ||
			{ echo "1..0 # SKIP cannot make a login user to run sshd as: $(head -n 1 "$T/useradd.err")"; exit 0; }
		made_user=1
	fi
	uid=$(id -u "$TUSER")
	as_user() { setpriv --reuid="$uid" --regid="$(id -g "$TUSER")" --init-groups env HOME="$T/home" "$@"; }
	chmod 755 "$T"
else
	uid=$(id -u)
	as_user() { env HOME="$T/home" "$@"; }
fi
mkdir -p "$T/bin" && cp -p "$BIN"/* "$T/bin/" && chmod -R a+rX "$T/bin"
UBIN=$T/bin
trap '"$UBIN/cs-sshd" -d "$S/ssh" -i "$S/inventory" -c "$S/ssh_config" stop >/dev/null 2>&1; _pm_cleanup
	[ "$made_user" = 1 ] && userdel "$TUSER" 2>/dev/null' EXIT

S=$T/u
mkdir -p "$S/home" "$T/home"
[ "$(id -u)" = 0 ] && chown -R "$uid" "$S" "$T/home"
as_user "$UBIN/cs-inventory" -n 20 -c 2 -a "$NET" -f "$FIRST" >"$T/inv"
cp "$T/inv" "$S/inventory"
[ "$(id -u)" = 0 ] && chown "$uid" "$S/inventory"

run as_user "$UBIN/cs-sshd" -d "$S/ssh" -i "$S/inventory" -c "$S/ssh_config" -p "$SSH_PORT" start
ok "$rc" "cs-sshd start as uid $uid"
[ "$rc" = 0 ] || diag "$(cat "$T/err")"
is "$(listeners | tr '\n' ' ')" "$(addr 1):$SSH_PORT $(addr 2):$SSH_PORT " "it listens on both host addresses"
run as_user ssh -F "$S/ssh_config" h02 'id -u'
is "$rc $(cat "$T/out")" "0 $uid" "ssh h02 logs in as uid $uid"
run as_user "$UBIN/cs-host" -t ssh -F "$S/ssh_config" -d "$S/run/%h" h01 ship "$UBIN" "$S/inventory"
ok "$rc" "cs-host ships bin/ over ssh"
run as_user "$UBIN/cs-host" -t ssh -F "$S/ssh_config" -d "$S/run/%h" h01 sh 'test -x bin/cs-node && cat inventory | grep -c "^h0"'
is "$rc $(cat "$T/out")" "0 2" "the host dir has bin/ and the inventory"
run as_user "$UBIN/cs-sshd" -d "$S/ssh" -i "$S/inventory" -c "$S/ssh_config" stop
is "$rc $(listeners | wc -l)" "0 0" "cs-sshd stop leaves no listener"

done_testing
