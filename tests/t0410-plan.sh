# t0410-plan: unit tests of msgclient's deterministic message plan.
. "$(dirname "$0")/helper/lib.sh"
"$BUILD/tests/test-plan"
