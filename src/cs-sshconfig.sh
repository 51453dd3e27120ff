#!/bin/bash
# cs-sshconfig: the one writer of the ssh_config every phase uses to reach
# the hosts of an inventory, for both providers: PROVIDER=local's loopback
# sshd (cs-sshd, -a: its pinned host key) and PROVIDER=aws's hosts behind a
# bastion (-j: ProxyJump through the inventory's "# bastion" line). Every
# host gets one ControlMaster connection reused by each step (seed lesson
# 6), and curve25519 key exchange: the default sntrup761 hybrid costs ~0.1 s
# of CPU per connection on each side, seconds for 40 hosts at once.
#   cs-sshconfig -i inventory -s state_dir [-u user] [-k identity] [-p port]
#                [-a host_key_alias | -j [-b bastion_addr]]   > ssh_config
set -u

prog=cs-sshconfig
die() { echo "$prog: $*" >&2; exit 1; }
inv="" st="" user="" key="" port=22 alias="" jump=0 bastion=""
# usage [0]: the synopsis; asked for (-h, --help): on stdout, status 0.
usage() {
	echo "usage: cs-sshconfig -i inventory -s state_dir [-u user=current] [-k identity=state_dir/id_ed25519]" \
	     "[-p port=$port] [-a host_key_alias | -j [-b bastion_addr=inventory]]" >&"$(( ${1:-2} ? 2 : 1 ))"
	exit "${1:-2}"
}

[ "${1:-}" = --help ] && usage 0
while getopts i:s:u:k:p:a:jb:h ch; do
	case $ch in
	i) inv=$OPTARG ;;
	s) st=$OPTARG ;;
	u) user=$OPTARG ;;
	k) key=$OPTARG ;;
	p) port=$OPTARG ;;
	a) alias=$OPTARG ;;
	j) jump=1 ;;
	b) bastion=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] && [ -n "$inv" ] && [ -n "$st" ] || usage
[ -n "$alias" ] && [ "$jump" = 1 ] && usage
case $port in ''|*[!0-9]*) die "not a port: \"$port\"" ;; esac
[ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "not a port: \"$port\""
[ -r "$inv" ] || die "$inv: cannot read"
[ -n "$key" ] || key=$st/id_ed25519
[ -n "$user" ] || user=$(id -un)
if [ "$jump" = 1 ] && [ -z "$bastion" ]; then
	read -r _ _ _ _ bastion _ < <(grep -m 1 '^# bastion ' "$inv")
	case ${bastion:-} in ''|-) die "$inv: no bastion address (a \"# bastion\" line, or -b)" ;; esac
fi

echo "# written by cs-sshconfig from $inv"
[ "$jump" = 1 ] && printf 'Host bastion\n  HostName %s\n' "$bastion"
while read -r name addr _; do
	case $name in ''|'#'*) continue ;; esac
	printf 'Host %s\n  HostName %s\n' "$name" "$addr"
	[ "$jump" = 1 ] && echo "  ProxyJump bastion"
done <"$inv"
cat <<EOF
Host *
  Port $port
  User $user
  IdentityFile $key
  IdentitiesOnly yes
  UserKnownHostsFile $st/known_hosts
EOF
if [ -n "$alias" ]; then
	printf '  HostKeyAlias %s\n  StrictHostKeyChecking yes\n' "$alias"
else
	echo "  StrictHostKeyChecking accept-new"
fi
cat <<EOF
  BatchMode yes
  ControlMaster auto
  ControlPath $st/cm-%C
  ControlPersist 120
  KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org
  ConnectTimeout 10
  ServerAliveInterval 15
  LogLevel ERROR
EOF
