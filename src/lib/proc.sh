# proc.sh: is a recorded PID still the process that was started? For the
# scripts that stop what they started (cs-node, cs-record), put in place
# of their line "# @proc.sh@" (mk/build.mk). A PID is given out again once
# it is free, every 32,768 forks on a small machine, and a stranger may
# even have the program's name in its command line (a test script called
# t0430-msgclient.sh): the start time tells them apart.

# pstat PID: the fields of /proc/PID/stat from the third (the state) on,
# in the array PS; the command name before them may hold spaces.
pstat() {
	local line
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	read -ra PS <<<"${line##*) }"
}

# started PID: the process's start time in clock ticks since boot (field 22).
started() { pstat "$1" && echo "${PS[19]}"; }

# running PID: the process exists, may be signalled, and is not a zombie.
running() { kill -0 "$1" 2>/dev/null && pstat "$1" && [ "${PS[0]}" != Z ]; }

# record PID FILE.pid: FILE.start gets PID's start time, then FILE.pid the
# PID (readers look at FILE.pid first).
record() {
	started "$1" >"${2%.pid}.start" && echo "$1" >"$2.tmp" && mv "$2.tmp" "$2"
}

# ours FILE.pid NAME: the PID in FILE.pid is running and has the start
# time in FILE.start. Without FILE.start (written by an older version), its
# command line must name NAME, or be empty, which a live process shows only
# while it execs.
ours() {
	local pid want cmd
	[ -s "$1" ] && read -r pid <"$1" || return 1
	case $pid in ''|*[!0-9]*) return 1 ;; esac
	running "$pid" || return 1
	if [ -s "${1%.pid}.start" ]; then
		read -r want <"${1%.pid}.start"
		[ "$(started "$pid")" = "$want" ]
		return
	fi
	cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")
	case $cmd in ''|*"$2"*) return 0 ;; esac
	return 1
}
