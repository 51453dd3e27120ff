# t0410-plan: unit tests of msgclient's deterministic message plan.
. "$(dirname "$0")/lib.sh"
exec "$BUILD/tests/test-plan"
