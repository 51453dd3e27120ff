/* prng.h: the project's deterministic pseudo-random numbers. splitmix64
 * (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014; the generator behind Java's SplittableRandom): 64-bit state,
 * integer-only arithmetic, so the same seed gives the same numbers on every
 * machine and compiler. Never use libc rand()/random() for anything that must
 * be reproducible (gen-users' graph, msgclient's shuffles).
 *
 * Streams: prng_seed(p, seed, id) derives an independent stream from a seed
 * and a stream id (e.g. 3*uid+purpose), so any part of a computation can be
 * redone alone, in any order, without running the others first. Header-only
 * and inline: a draw is a handful of multiplies. */
#ifndef CS_PRNG_H
#define CS_PRNG_H

#include <stdint.h>

struct prng {
	uint64_t s;             /* splitmix64 state */
};

#define PRNG_GAMMA 0x9e3779b97f4a7c15ULL

/* splitmix64's output function (a bijection of 64-bit words). */
static inline uint64_t
prng_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A different bijection (MurmurHash3's fmix64), used to spread stream ids so
 * that nearby ids do not give states a few gammas apart. */
static inline uint64_t
prng_fmix(uint64_t z)
{
	z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
	z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	return z ^ (z >> 33);
}

/* Stream `id` of `seed`. Same (seed, id) -> same sequence. */
static inline void
prng_seed(struct prng *p, uint64_t seed, uint64_t id)
{
	p->s = prng_mix(seed + PRNG_GAMMA) ^ prng_fmix(id + 0x632be59bd9b4e019ULL);
}

/* Next 64 random bits (the reference splitmix64 sequence from state s). */
static inline uint64_t
prng_next(struct prng *p)
{
	p->s += PRNG_GAMMA;
	return prng_mix(p->s);
}

/* Uniform integer in [0, n), n >= 1, without bias (Lemire, "Fast random
 * integer generation in an interval", 2019: one multiply, a division only
 * in the rare rejection case). */
static inline uint64_t
prng_below(struct prng *p, uint64_t n)
{
	__extension__ typedef unsigned __int128 u128;
	u128 m = (u128)prng_next(p) * n;
	uint64_t l = (uint64_t)m;

	if (l < n) {
		uint64_t t = -n % n;
		while (l < t) {
			m = (u128)prng_next(p) * n;
			l = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* Shuffle a[0..n) in place (Fisher-Yates with prng_below). O(n). */
static inline void
prng_shuffle_u32(struct prng *p, uint32_t *a, uint64_t n)
{
	uint64_t i, j;
	uint32_t t;

	for (i = n; i > 1; i--) {
		j = prng_below(p, i);
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

#endif
