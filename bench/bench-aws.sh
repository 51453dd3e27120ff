# bench-aws: wall time of each EC2 tool for the seed's size (HOSTS=40, one
# bastion) against a local moto_server over TLS with signature checks, and
# the number of API requests each makes. moto answers in milliseconds, so
# this measures our client (signing, TLS, XML, waiter pacing), not EC2.
# Run: make bench-aws [BENCH_HOSTS=40] (needs moto: pip install 'moto[server]').
. "$TOP/tests/helper/lib.sh"
. "$TOP/tests/helper/moto.sh"
n=${BENCH_HOSTS:-40}
why=$(moto_missing)
[ -z "$why" ] || { echo "bench-aws: $why" >&2; exit 1; }
moto_fixture 127.0.5.30 5630 >/dev/null
export CELLSTRESS_AWS_TRACE="$T/trace"
: >"$T/trace"
step() {
	local name=$1 t0 t1 r0 r1; shift
	r0=$(wc -l <"$T/trace" 2>/dev/null || echo 0)
	t0=$(date +%s.%N)
	"$@" >"$T/$name.out" 2>"$T/$name.err" || { echo "$name failed: $(tail -1 "$T/$name.err")" >&2; exit 1; }
	t1=$(date +%s.%N)
	r1=$(wc -l <"$T/trace")
	printf '%-10s %6.2f s %4d requests\n' "$name" "$(echo "$t1 - $t0" | bc)" $((r1 - r0))
}
echo "bench-aws: HOSTS=$n against moto_server $(moto_server --version 2>/dev/null || python3 -c 'import moto; print(moto.__version__)')"
step vpc-make "$BIN/vpc-make" -r bench -c 198.51.100.7/32
step ec2-run "$BIN/ec2-run" -r bench -n "$n" -u $((n * 25000)) -k "$T/id.pub" -a "$AMI"
step ec2-run2 "$BIN/ec2-run" -r bench -n "$n" -u $((n * 25000)) -k "$T/id.pub" -a "$AMI"
step ec2-kill "$BIN/ec2-kill" -r bench -p "$TOP/data/ec2-prices.tsv"
step vpc-delete "$BIN/vpc-delete" -r bench
echo "inventory lines: $(grep -vc '^#' "$T/ec2-run.out")"
echo "load: $(uptime)"
stop_moto
