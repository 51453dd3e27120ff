/* plan.h: msgclient's deterministic message plan (docs/tools.md#msgclient). User u
 * with friends f_0 < f_1 < ... (nf of them) sends msgs messages to each: the
 * nf*msgs slots (friend, j) are put in a shuffled order by a splitmix64
 * stream seeded from (seed, u), then j is renumbered per friend in order of
 * appearance. Message k (1-based) of u is plan[k-1] = (f_fi, j) with body
 * "u-f-j", and j increases along k for each friend. A restarted client
 * rebuilds the identical plan, so its re-sends match what the server holds. */
#ifndef CS_PLAN_H
#define CS_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct slot {
	uint32_t fi;            /* index into the sorted friend list */
	uint32_t j;             /* 1..msgs: the j-th message to that friend */
};

/* Fill s[0 .. nf*msgs) with the plan of uid. O(nf*msgs); uses cnt[0..nf)
 * as scratch. */
void plan_build(uint64_t seed, long long uid, size_t nf, uint32_t msgs,
                struct slot *s, uint32_t *cnt);

#endif
