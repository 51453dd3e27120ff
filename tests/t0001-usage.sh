# t0001-usage: the contract's usage rules for every program in bin/: -h and
# --help print the usage on stdout and exit 0; a bad option prints it on
# stderr and exits 2. redis-bulkload follows redis-cli (-h is the address)
# and takes only --help. The C tools show defaults one way, [-m msgs=5],
# printed from their defaults (an option given before --help does not
# change them), and the defaults shown are the ones used. Needs no server.
. "$(dirname "$0")/helper/lib.sh"
TOOLS="gen-users rg-split cellsrv msgclient checkdb vpc-make ec2-run ec2-kill vpc-delete cs-sshconfig cs-chaos
	cs-inventory cs-host cs-node cs-results cs-runtime cs-serve cs-sshd cs-record
	stat-collect stat-record stat-monitor stat-report"
CTOOLS="gen-users rg-split redis-bulkload cellsrv msgclient checkdb vpc-make ec2-run ec2-kill
	vpc-delete cs-serve stat-collect stat-record stat-monitor stat-report"
# One option per C tool with a default, given before --help.
CHANGED="gen-users:-s:7 redis-bulkload:-p:1234 cellsrv:-p:1234 msgclient:-m:3 checkdb:-m:9
	ec2-run:-w:5 ec2-kill:-w:5 vpc-delete:-w:5 cs-serve:-t:5 stat-collect:-t:5 stat-record:-M:9999
	stat-monitor:-r:5 stat-report:-m:99"

# The list is every program in bin/ (redis-bulkload apart, below): a new
# tool must be added here.
is "$(ls "$BIN" | grep -vx redis-bulkload | sort | tr '\n' ' ')" "$(printf '%s\n' $TOOLS | sort | tr '\n' ' ')" \
	"every program in bin/ is checked"

# usage_is TOOL WANT_STATUS STREAM DESC ARGS...: status, one usage line on
# STREAM (out or err) and nothing on the other.
usage_is() {
	local t=$1 want=$2 on=$3 off=out desc=$4; shift 4
	[ "$on" = out ] && off=err
	run "$t" "$@" </dev/null
	is "$rc $(grep -c "^usage: $t" "$T/$on") $(wc -c <"$T/$off" | tr -d ' ')" "$want 1 0" "$t $desc"
}
for t in $TOOLS; do
	usage_is "$t" 0 out "-h: usage on stdout, exit 0" -h
	usage_is "$t" 0 out "--help: usage on stdout, exit 0" --help
	run "$t" -Z </dev/null
	is "$rc $(grep -c "^usage: $t" "$T/err") $(wc -c <"$T/out" | tr -d ' ')" "2 1 0" "$t -Z: usage on stderr, exit 2"
done
usage_is redis-bulkload 0 out "--help: usage on stdout, exit 0" --help
expect_fail 2 '^usage: redis-bulkload' "redis-bulkload -h without an address: usage, exit 2" redis-bulkload -h
expect_fail 2 '^usage: redis-bulkload' "redis-bulkload -Z: usage, exit 2" redis-bulkload -Z

# The C tools: no default in the old "[-s same (20)]" form.
for t in $CTOOLS; do
	run "$t" --help
	is "$rc $(grep -cE '\[-[[:alnum:]]+( [^]]*)? \(' "$T/out")" "0 0" "$t: defaults shown as name=value"
done
for c in $CHANGED; do
	t=${c%%:*} o=${c#*:}; v=${o#*:} o=${o%%:*}
	"$t" --help >"$T/want" 2>&1
	run "$t" "$o" "$v" --help
	is "$rc $(cat "$T/out")" "0 $(cat "$T/want")" "$t $o $v --help: usage shows the defaults"
done

# gen-users' defaults as printed are the ones it uses.
gen-users --help >"$T/u"
same=$(sed -n 's/.*\[-s same=\([0-9]*\)\].*/\1/p' "$T/u")
cross=$(sed -n 's/.*\[-x cross=\([0-9]*\)\].*/\1/p' "$T/u")
seed=$(sed -n 's/.*\[-S seed=\([0-9]*\)\].*/\1/p' "$T/u")
gen-users -n 300 -c 3 >"$T/a"
gen-users -n 300 -c 3 -s "${same:-x}" -x "${cross:-x}" -S "${seed:-x}" >"$T/b" 2>&1
ok "$(cmp -s "$T/a" "$T/b"; echo $?)" "gen-users: -s $same -x $cross -S $seed as printed are its defaults"
done_testing
