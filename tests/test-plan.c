/* test-plan.c: unit tests of msgclient's message plan (src/lib/plan.c):
 * every (friend, j) slot exactly once, j increasing along k per friend, the
 * same plan for the same (seed, uid), different plans otherwise. TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "helper/testhelp.h"


/* Is s[0..nf*msgs) a valid plan: each (fi, j) once, j = 1, 2, .. per fi? */
static int
valid(const struct slot *s, size_t nf, uint32_t msgs)
{
	uint32_t *last = calloc(nf + 1, sizeof *last);
	size_t i;
	int good = 1;

	for (i = 0; i < nf * msgs; i++) {
		if (s[i].fi >= nf || s[i].j != last[s[i].fi] + 1)
			good = 0;
		else
			last[s[i].fi]++;
	}
	for (i = 0; i < nf; i++)
		if (last[i] != msgs)
			good = 0;
	free(last);
	return good;
}

int
main(void)
{
	enum { NF = 30, MSGS = 5, N = NF * MSGS };
	struct slot a[N], b[N];
	uint32_t cnt[NF];
	size_t i, moved = 0, same_u = 0, same_s = 0;
	long long u;
	int allvalid = 1, first_friend_varies = 0;

	plan_build(1, 42, NF, MSGS, a, cnt);
	ok(valid(a, NF, MSGS), "30 friends x 5: every slot once, j in order per friend");
	plan_build(1, 42, NF, MSGS, b, cnt);
	ok(memcmp(a, b, sizeof a) == 0, "same seed and user: identical plan");
	for (i = 0; i < N; i++)
		moved += a[i].fi != i / MSGS;
	ok(moved > N / 2, "the plan is shuffled (most slots moved from friend order)");
	plan_build(1, 43, NF, MSGS, b, cnt);
	for (i = 0; i < N; i++)
		same_u += a[i].fi == b[i].fi;
	ok(same_u < N / 4, "another user: another order");
	plan_build(2, 42, NF, MSGS, b, cnt);
	for (i = 0; i < N; i++)
		same_s += a[i].fi == b[i].fi;
	ok(same_s < N / 4, "another seed: another order");
	for (u = 1; u <= 2000; u++) {
		size_t nf = (size_t)(u % NF) + 1;
		uint32_t m = (uint32_t)(u % MSGS) + 1;
		plan_build(7, u, nf, m, a, cnt);
		if (!valid(a, nf, m))
			allvalid = 0;
		if (nf > 1 && a[0].fi != 0)
			first_friend_varies = 1;
	}
	ok(allvalid, "2000 users with 1..30 friends and 1..5 messages: all valid");
	ok(first_friend_varies, "first message not always to the first friend");
	plan_build(1, 5, 1, 1, a, cnt);
	ok(a[0].fi == 0 && a[0].j == 1, "one friend, one message: (0, 1)");
	return done_testing();
}
