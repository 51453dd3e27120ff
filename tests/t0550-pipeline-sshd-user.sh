# t0550-pipeline-sshd-user: the loopback sshd of TRANSPORT=ssh works for a
# user who is not root: cs-sshd started as an unprivileged login user serves
# ssh and the cs-host ship/sh path as that user, and stop leaves no listener.
# As root the test switches to such a user (setpriv); without one it skips.
. "$(dirname "$0")/lib.sh"
FIRST=61
. "$(dirname "$0")/lib-pipeline.sh"

if [ "$(id -u)" = 0 ]; then
	user=$(awk -F: '$3 >= 1000 && $3 < 65534 && $7 ~ /(ba|da)?sh$/ { print $1; exit }' /etc/passwd)
	if [ -z "$user" ] || ! command -v setpriv >/dev/null; then
		echo "1..0 # SKIP no unprivileged login user to run sshd as"
		exit 0
	fi
	uid=$(id -u "$user")
	as_user() { setpriv --reuid="$uid" --regid="$(id -g "$user")" --init-groups env HOME="$T/home" "$@"; }
	chmod 755 "$T"
else
	uid=$(id -u)
	as_user() { env HOME="$T/home" "$@"; }
fi
plan 6
trap '"$BIN/cs-sshd" -d "$S/ssh" -i "$S/inventory" -c "$S/ssh_config" stop >/dev/null 2>&1; _pm_cleanup' EXIT

S=$T/u
mkdir -p "$S/home" "$T/home"
[ "$(id -u)" = 0 ] && chown -R "$uid" "$S" "$T/home"
as_user "$BIN/cs-inventory" -n 20 -c 2 -a "$NET" -f "$FIRST" >"$T/inv"
cp "$T/inv" "$S/inventory"
[ "$(id -u)" = 0 ] && chown "$uid" "$S/inventory"

run as_user "$BIN/cs-sshd" -d "$S/ssh" -i "$S/inventory" -c "$S/ssh_config" -p "$SSH_PORT" start
ok "$rc" "cs-sshd start as uid $uid"
[ "$rc" = 0 ] || diag "$(cat "$T/err")"
is "$(listeners | tr '\n' ' ')" "$(addr 1):$SSH_PORT $(addr 2):$SSH_PORT " "it listens on both host addresses"
run as_user ssh -F "$S/ssh_config" h02 'id -u'
is "$rc $(cat "$T/out")" "0 $uid" "ssh h02 logs in as uid $uid"
run as_user "$BIN/cs-host" -t ssh -F "$S/ssh_config" -d "$S/run/%h" h01 ship "$BIN" "$S/inventory"
ok "$rc" "cs-host ships bin/ over ssh"
run as_user "$BIN/cs-host" -t ssh -F "$S/ssh_config" -d "$S/run/%h" h01 sh 'test -x bin/cs-node && cat inventory | grep -c "^h0"'
is "$rc $(cat "$T/out")" "0 2" "the host dir has bin/ and the inventory"
run as_user "$BIN/cs-sshd" -d "$S/ssh" -i "$S/inventory" -c "$S/ssh_config" stop
is "$rc $(listeners | wc -l)" "0 0" "cs-sshd stop leaves no listener"

done_testing
