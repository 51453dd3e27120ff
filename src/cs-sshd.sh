#!/bin/bash
# cs-sshd: the real sshd behind TRANSPORT=ssh with PROVIDER=local. It runs as
# the invoking user (root or not) with its own config, host key and client key
# in DIR, listening on PORT of every host address of the inventory, and writes
# the ssh_config (one "Host hNN" per host, ControlMaster/ControlPersist) that
# every later phase uses, so the ssh/scp path is the one a cloud run takes.
#   cs-sshd -d DIR -i INVENTORY -c SSH_CONFIG [-p PORT] start   (idempotent)
#   cs-sshd -d DIR -i INVENTORY -c SSH_CONFIG stop              (idempotent)
set -u

prog=cs-sshd
die() { echo "$prog: $*" >&2; exit 1; }
usage() {
	echo "usage: cs-sshd -d dir -i inventory -c ssh_config [-p port (2222)] start | stop" >&2
	exit 2
}

dir="" inv="" cfg="" port=2222
while getopts d:i:c:p:h ch; do
	case $ch in
	d) dir=$OPTARG ;;
	i) inv=$OPTARG ;;
	c) cfg=$OPTARG ;;
	p) port=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] && [ -n "$dir" ] && [ -n "$inv" ] && [ -n "$cfg" ] || usage
case $port in ''|*[!0-9]*) die "not a port: \"$port\"" ;; esac
[ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "not a port: \"$port\""
PATH=$PATH:/usr/sbin:/sbin
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)

sshd_pid() {
	local pid
	[ -s "$dir/sshd.pid" ] && read -r pid <"$dir/sshd.pid" && case $pid in ''|*[!0-9]*) return 1 ;; esac &&
		[ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "sshd.*$dir/sshd_config" &&
		echo "$pid"
}

# descendants PID: every process below PID (/proc/N/stat field 4 is the
# parent; the command in field 2 may hold spaces, so cut after its ")").
descendants() {
	local root=$1 f line rest pid
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		rest=${line##*) }
		set -- $rest
		pid=${f#/proc/}; pid=${pid%/stat}
		echo "$pid $2"
	done | awk -v root="$root" '{ parent[$1] = $2 } END {
		for (p in parent) { q = p; while (q in parent && q != root && q > 1) q = parent[q]; if (q == root && p != root) print p } }'
}

hosts() { awk '!/^#/ && NF { print $1, $2 }' "$inv"; }

start() {
	local user pid i first
	[ -r "$inv" ] || die "$inv: cannot read"
	user=$(id -un)
	umask 077
	[ -s "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C cellstress-host -f "$dir/host_ed25519" || exit 1
	[ -s "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C cellstress-operator -f "$dir/id_ed25519" || exit 1
	cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
	echo "cellstress-local $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >"$dir/known_hosts"
	{
		echo "# written by cs-sshd: a private sshd for TRANSPORT=ssh"
		hosts | while read -r _ a; do echo "ListenAddress $a:$port"; done
		cat <<-EOF
		HostKey $dir/host_ed25519
		PidFile $dir/sshd.pid
		AuthorizedKeysFile $dir/authorized_keys
		AllowUsers $user
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		PermitRootLogin prohibit-password
		MaxStartups 500
		MaxSessions 100
		LogLevel ERROR
		Subsystem sftp internal-sftp
		EOF
	} >"$dir/sshd_config.tmp" && mv "$dir/sshd_config.tmp" "$dir/sshd_config"
	{
		echo "# written by cs-sshd for the loopback sshd on port $port"
		hosts | while read -r n a; do printf 'Host %s\n  HostName %s\n' "$n" "$a"; done
		cat <<-EOF
		Host *
		  Port $port
		  User $user
		  IdentityFile $dir/id_ed25519
		  IdentitiesOnly yes
		  HostKeyAlias cellstress-local
		  UserKnownHostsFile $dir/known_hosts
		  StrictHostKeyChecking yes
		  BatchMode yes
		  ControlMaster auto
		  ControlPath $dir/cm-%C
		  ControlPersist 120
		  ConnectTimeout 10
		  ServerAliveInterval 15
		  LogLevel ERROR
		EOF
	} >"$cfg.tmp" && mv "$cfg.tmp" "$cfg"
	if pid=$(sshd_pid); then
		kill -HUP "$pid"       # re-read the config (a re-provision)
	else
		# Privilege separation of a root sshd needs /run/sshd (systemd makes it).
		if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then mkdir -p -m 0755 /run/sshd || exit 1; fi
		"$(command -v sshd)" -f "$dir/sshd_config" -E "$dir/sshd.log" || die "sshd failed: $(tail -n 1 "$dir/sshd.log" 2>/dev/null)"
	fi
	first=$(hosts | awk '{ print $2; exit }')
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/$first/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	die "sshd not listening on $first:$port: $(tail -n 1 "$dir/sshd.log" 2>/dev/null)"
}

stop() {
	local pid kids k i
	# Close the ControlMaster connections first: their sessions end with them.
	if [ -r "$cfg" ] && [ -r "$inv" ]; then
		hosts | while read -r n _; do
			ssh -F "$cfg" -O exit "$n" >/dev/null 2>&1 </dev/null &
		done
		wait
	fi
	if pid=$(sshd_pid); then
		# sshd's per-connection children outlive the listener: stop them too.
		kids=$(descendants "$pid")
		kill -TERM "$pid" $kids 2>/dev/null
		for k in $pid $kids; do
			for i in $(seq 50); do kill -0 "$k" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$k" 2>/dev/null
		done
	fi
	rm -f "$dir/sshd.pid" "$dir"/cm-*
	return 0
}

case $1 in
start) start ;;
stop)  stop ;;
*)     usage ;;
esac
