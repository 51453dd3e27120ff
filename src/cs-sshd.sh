#!/bin/bash
# cs-sshd: the real sshd behind TRANSPORT=ssh with PROVIDER=local. It runs as
# the invoking user (root or not) with its own config, host key and client key
# in DIR, listening on PORT of every host address of the inventory, and writes
# the ssh_config (cs-sshconfig) that every later phase uses, so the ssh/scp
# path is the one a cloud run takes.
#   cs-sshd -d DIR -i INVENTORY -c SSH_CONFIG [-p PORT] start   (idempotent)
#   cs-sshd -d DIR -i INVENTORY -c SSH_CONFIG stop              (idempotent)
set -u

prog=cs-sshd
die() { echo "$prog: $*" >&2; exit 1; }
dir="" inv="" cfg="" port=2222
# usage [0]: the synopsis; asked for (-h, --help): on stdout, status 0.
usage() {
	echo "usage: cs-sshd -d dir -i inventory -c ssh_config [-p port=$port] start | stop" >&"$(( ${1:-2} ? 2 : 1 ))"
	exit "${1:-2}"
}

[ "${1:-}" = --help ] && usage 0
while getopts d:i:c:p:h ch; do
	case $ch in
	d) dir=$OPTARG ;;
	i) inv=$OPTARG ;;
	c) cfg=$OPTARG ;;
	p) port=$OPTARG ;;
	h) usage 0 ;;
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

# sshd_pid G: the PID of sshd instance G when it runs (its pid file names a
# process whose command line holds its config file).
sshd_pid() {
	local pid
	[ -s "$dir/sshd-$1.pid" ] && read -r pid <"$dir/sshd-$1.pid" && case $pid in ''|*[!0-9]*) return 1 ;; esac &&
		[ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "sshd.*$dir/sshd-$1.conf" &&
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
	local user pid i first g ninst
	[ -r "$inv" ] || die "$inv: cannot read"
	user=$(id -un)
	umask 077
	[ -s "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C cellstress-host -f "$dir/host_ed25519" || exit 1
	[ -s "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C cellstress-operator -f "$dir/id_ed25519" || exit 1
	cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
	echo "cellstress-local $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >"$dir/known_hosts"
	# sshd listens on at most 16 addresses (MAX_LISTEN_SOCKS): one instance
	# per 16 hosts, instance G serving hosts 16G+1 .. 16G+16.
	ninst=$(( ($(hosts | wc -l) + 15) / 16 ))
	for g in $(seq 0 $((ninst - 1))); do
		{
			echo "# written by cs-sshd: a private sshd for TRANSPORT=ssh, instance $g"
			hosts | awk -v g="$g" -v p="$port" 'int((NR - 1) / 16) == g { print "ListenAddress " $2 ":" p }'
			cat <<-EOF
			HostKey $dir/host_ed25519
			PidFile $dir/sshd-$g.pid
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
			# bash sources ~/.bashrc for ssh commands when SHLVL is unset; a
			# login's rc files are not part of what is measured here.
			SetEnv SHLVL=1
			# curve25519 on both sides: see cs-sshconfig.
			KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org
			EOF
		} >"$dir/sshd-$g.conf.tmp" && mv "$dir/sshd-$g.conf.tmp" "$dir/sshd-$g.conf"
	done
	# The client side: cs-sshconfig, the ssh_config writer of every provider.
	"$(dirname "$0")/cs-sshconfig" -i "$inv" -s "$dir" -p "$port" -a cellstress-local >"$cfg.tmp" &&
		mv "$cfg.tmp" "$cfg" || die "writing $cfg failed"
	# Privilege separation of a root sshd needs /run/sshd (systemd makes it).
	if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then mkdir -p -m 0755 /run/sshd || exit 1; fi
	for g in $(seq 0 $((ninst - 1))); do
		if pid=$(sshd_pid "$g"); then
			kill -HUP "$pid"       # re-read the config (a re-provision)
		else
			"$(command -v sshd)" -f "$dir/sshd-$g.conf" -E "$dir/sshd.log" ||
				die "sshd failed: $(tail -n 1 "$dir/sshd.log" 2>/dev/null)"
		fi
	done
	for g in $(seq 0 $((ninst - 1))); do
		first=$(hosts | awk -v g="$g" 'NR == 16 * g + 1 { print $2 }')
		for i in $(seq 100); do
			(exec 3<>"/dev/tcp/$first/$port") 2>/dev/null && continue 2
			sleep 0.05
		done
		die "sshd not listening on $first:$port: $(tail -n 1 "$dir/sshd.log" 2>/dev/null)"
	done
}

stop() {
	local pid kids k i f g
	# Close the ControlMaster connections first: their sessions end with them.
	if [ -r "$cfg" ] && [ -r "$inv" ]; then
		hosts | while read -r n _; do
			ssh -F "$cfg" -O exit "$n" >/dev/null 2>&1 </dev/null &
		done
		wait
	fi
	for f in "$dir"/sshd-*.pid; do
		[ -e "$f" ] || continue
		g=${f##*/sshd-}; g=${g%.pid}
		pid=$(sshd_pid "$g") || { rm -f "$f"; continue; }
		# sshd's per-connection children outlive the listener: stop them too.
		kids=$(descendants "$pid")
		kill -TERM "$pid" $kids 2>/dev/null
		for k in $pid $kids; do
			for i in $(seq 50); do kill -0 "$k" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$k" 2>/dev/null
		done
		rm -f "$f"
	done
	rm -f "$dir"/cm-*
	return 0
}

case $1 in
start) start ;;
stop)  stop ;;
*)     usage ;;
esac
