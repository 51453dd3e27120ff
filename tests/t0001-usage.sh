# t0001-usage: the contract's usage rules for every program in bin/: -h and
# --help print the usage on stdout and exit 0; a bad option prints it on
# stderr and exits 2. redis-bulkload follows redis-cli (-h is the address)
# and takes only --help. Needs no server.
. "$(dirname "$0")/lib.sh"
TOOLS="gen-users rg-split cellsrv msgclient checkdb vpc-make ec2-run ec2-kill vpc-delete cs-sshconfig
	cs-inventory cs-host cs-node cs-results cs-runtime cs-serve cs-sshd"
plan $(( $(echo $TOOLS | wc -w) * 3 + 4 ))

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
done_testing
