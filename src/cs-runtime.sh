#!/bin/bash
# cs-runtime: the self-contained runtime deploy ships with SHIP_RUNTIME=1
# (mk/runtime.mk builds it; a cloud host has neither redis-server nor most
# of the libraries our tools link). The hosts run the control host's
# distribution, so glibc's own libraries are the host's and everything else
# comes along:
#   cs-runtime build DIR PROGRAM...  copy each PROGRAM (a path, or NAME=PATH to
#                                    name the copy) into DIR, symlinks resolved,
#                                    and into DIR/lib every shared library an
#                                    ELF among them needs per ldd, glibc's
#                                    excepted; then check DIR. Prints the real
#                                    path of every file copied (for make's
#                                    dependencies).
#   cs-runtime check DIR             every ELF in DIR and DIR/lib, run with
#                                    LD_LIBRARY_PATH=DIR/lib, finds each library
#                                    it needs in DIR/lib or among glibc's; and
#                                    DIR/lib holds nothing no ELF needs. Names
#                                    each miss on stderr, exit 1.
set -u
set -o pipefail
export LC_ALL=C

prog=cs-runtime
die() { echo "$prog: $*" >&2; exit 1; }
# usage [0]: the synopsis; asked for (-h, --help): on stdout, status 0.
usage() {
	echo "usage: cs-runtime build dir program|name=program... | check dir" >&"$(( ${1:-2} ? 2 : 1 ))"
	exit "${1:-2}"
}

# glibc NAME: NAME (a DT_NEEDED soname, or ld.so's path) is one of glibc's
# own libraries, which the host has (same distribution). libcrypt is not:
# it comes from libxcrypt.
glibc() {
	case ${1##*/} in
	ld-linux*.so.[0-9]|linux-vdso.so.1|libc.so.6|libm.so.6|libmvec.so.1|libpthread.so.0|libdl.so.2|\
	librt.so.1|libresolv.so.2|libutil.so.1|libanl.so.1|libnsl.so.1|libBrokenLocale.so.1|\
	libthread_db.so.1|libc_malloc_debug.so.0|libnss_*.so.2) return 0 ;;
	esac
	return 1
}

is_elf() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(head -c 4 "$1" 2>/dev/null)" = $'\x7fELF' ]; }

# needs FILE [LIBDIR]: "name path" per library ldd lists for FILE (path
# "not-found" when unresolved), ld.so and the vDSO left out; LIBDIR goes
# first in LD_LIBRARY_PATH. Empty for a static ELF.
needs() {
	local out
	out=$(LD_LIBRARY_PATH=${2:-} ldd "$1" 2>&1) || {
		case $out in *"not a dynamic executable"*|*"statically linked"*) return 0 ;; esac
		echo "$prog: ldd $1: $out" >&2
		return 1
	}
	awk '$2 == "=>" { print $1, ($3 == "not" ? "not-found" : $3) }' <<<"$out"
}

do_build() {
	local dir=$1 p name src f lib path list seen=" "
	shift
	[ $# -gt 0 ] || usage
	mkdir -p "$dir/lib" || die "cannot make $dir/lib"
	for p; do
		case $p in *=*) name=${p%%=*} src=${p#*=} ;; *) name=${p##*/} src=$p ;; esac
		[ -n "$name" ] && [ -f "$src" ] || die "$src: no such program"
		cp -L --preserve=mode,timestamps "$src" "$dir/$name" || die "cannot copy $src"
		readlink -f "$src"
	done
	for f in "$dir"/*; do
		is_elf "$f" || continue
		list=$(needs "$f") || exit 1
		while read -r lib path; do
			[ -n "$lib" ] && ! glibc "$lib" || continue
			[ "$path" != not-found ] || die "${f##*/} needs $lib: not found on this machine"
			case $seen in *" $lib "*) continue ;; esac
			seen="$seen$lib "
			cp -L --preserve=mode,timestamps "$path" "$dir/lib/$lib" || die "cannot copy $path"
			readlink -f "$path"
		done <<<"$list"
	done
	do_check "$dir" >/dev/null
}

do_check() {
	local dir libdir f lib path list bad=0 nelf=0 used=" "
	dir=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such directory"
	libdir=$dir/lib
	[ -d "$libdir" ] || { echo "$prog: $dir: no lib/" >&2; return 1; }
	for f in "$dir"/* "$libdir"/*; do
		is_elf "$f" || continue
		nelf=$((nelf + 1))
		list=$(needs "$f" "$libdir") || { bad=1; continue; }
		while read -r lib path; do
			if [ -z "$lib" ]; then
				continue
			elif [ "${path%/*}" = "$libdir" ]; then
				used="$used$lib "
			elif [ "$path" = not-found ]; then
				echo "$prog: ${f#"$dir"/}: $lib not found" >&2; bad=1
			elif ! glibc "$lib"; then
				echo "$prog: ${f#"$dir"/}: $lib from $path, not from $libdir" >&2; bad=1
			fi
		done <<<"$list"
	done
	for f in "$libdir"/*; do
		[ -e "$f" ] || continue
		case $used in *" ${f##*/} "*) ;; *) echo "$prog: lib/${f##*/}: needed by no program" >&2; bad=1 ;; esac
	done
	[ "$nelf" -gt 0 ] || { echo "$prog: $dir: no ELF file" >&2; bad=1; }
	[ "$bad" = 0 ] || return 1
	echo "$prog: $dir: $nelf ELF files, every library in lib/ or glibc's"
}

[ $# -ge 1 ] || usage
case $1 in
-h|--help) usage 0 ;;
build) [ $# -ge 3 ] || usage; shift; do_build "$@" ;;
check) [ $# -eq 2 ] || usage; do_check "$2" ;;
*) usage ;;
esac
