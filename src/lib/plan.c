/* plan.c: the shuffled per-user message order of msgclient (see plan.h). */
#include <string.h>

#include "plan.h"
#include "prng.h"

/* Keeps plan streams apart from gen-users' streams of the same seed. */
#define PLAN_SALT 0x706c616e2d6d7367ULL /* "plan-msg" */

void
plan_build(uint64_t seed, long long uid, size_t nf, uint32_t msgs,
    struct slot *s, uint32_t *cnt)
{
	struct prng p;
	size_t n = nf * msgs, i, k;
	struct slot t;

	/* Slots in (friend, j) order, then Fisher-Yates. */
	for (i = 0; i < n; i++) {
		s[i].fi = (uint32_t)(i / msgs);
		s[i].j = 0;
	}
	prng_seed(&p, seed ^ PLAN_SALT, (uint64_t)uid);
	for (i = n; i > 1; i--) {
		k = (size_t)prng_below(&p, i);
		t = s[i - 1];
		s[i - 1] = s[k];
		s[k] = t;
	}
	memset(cnt, 0, nf * sizeof *cnt);
	for (i = 0; i < n; i++)
		s[i].j = ++cnt[s[i].fi];
}
