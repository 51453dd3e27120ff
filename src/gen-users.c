/* gen-users: print the deterministic friend graph of USERS users in CELLS cells
 * as relation lines "uid<TAB>fid" (both directions, no self, no duplicate),
 * grouped by ascending uid with ascending fids. The graph is a function of
 * (users, cells, same, cross, seed) only, computed with integer arithmetic and
 * splitmix64 (prng.h), so every host can generate it and keep its own cell.
 *
 * The graph: every user u "proposes" friendships, each with its own random
 * stream (prng_seed(seed, 3u+purpose)): about same/2 partners drawn uniformly
 * from the other users of its cell and about cross/2 drawn uniformly from all
 * users outside its cell (so cross friends spread over every other cell in
 * proportion to its size). A friendship exists when either side proposed it;
 * duplicates collapse. Mean degree is then ~same within the cell and ~cross
 * across. When same >= cell size - 1 the cell is a clique. A user with no
 * proposal of its own (same, cross <= 1) gets one, so nobody is friendless.
 * With -k only one cell is built: its own draws plus the cross draws of all
 * users (cheap), and only its lines are formatted. */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "ealloc.h"
#include "fshut.h"
#include "num.h"
#include "opt.h"
#include "prng.h"

#define SAME_MAX   10000
#define CROSS_MAX  10000
/* Cells are built in groups whose cross relations fit this many entries. */
#define GROUP_ENTRIES (16LL << 20)

static struct config {
	struct cells_opts lay;  /* -n users, -c cells, -k the only cell to print (0 = all) */
	long long same;         /* -s: mean friends in the own cell */
	long long cross;        /* -x: mean friends in other cells (0 with one cell, unless given) */
	int       cross_set;    /* -x was given */
	uint64_t  seed;         /* -S */
} cfg;

/* What cfg starts as, and what usage() shows. */
static const struct config defaults = { { 0, 0, 0 }, 20, 10, 0, 1 };

static long long csize;         /* ceil(users / cells) */

static char   obuf[1 << 20];   /* output, written in large chunks */
static size_t olen;

static void
oflush(void)
{
	if (fwrite_unlocked(obuf, 1, olen, stdout) != olen)
		err(1, "<stdout>: write error");
	olen = 0;
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: gen-users -n users -c cells [-s same=%lld] [-x cross=%lld] "
	    "[-S seed=%llu] [-k cell]\n", defaults.same, defaults.cross,
	    (unsigned long long)defaults.seed);
	exit(status);
}

/* How many same-cell and cross-cell proposals user u (in a cell of nc users)
 * makes. Odd means give every user floor(m/2) plus one more by a coin of its
 * own; a user who would make none makes one. O(1). */
static void
proposals(long long u, long long nc, long long *ks, long long *kx)
{
	struct prng p;
	uint64_t h;
	int clique = cfg.same >= nc - 1;

	prng_seed(&p, cfg.seed, 3 * (uint64_t)u + 2);
	h = prng_next(&p);
	*ks = clique ? 0 : cfg.same / 2 + (cfg.same & 1 & (long long)h);
	*kx = cfg.cross / 2 + (cfg.cross & 1 & (long long)(h >> 1));
	if (*ks + *kx == 0 && !(clique && nc >= 2)) {
		if (cfg.cross > 0)
			*kx = 1;
		else
			*ks = 1;
	}
}

/* Adjacency lists of a user range lo..lo+n-1 in CSR form: partners of user
 * lo+i are adj[off[i] .. off[i+1]). Filled in two passes over the same
 * draws: count (adj == NULL) then place. */
struct csr {
	long long lo, n;
	size_t   *off;          /* n+1 offsets; during fill: next free slot */
	uint32_t *adj;
};

static inline void
csr_add(struct csr *g, long long u, long long v)
{
	size_t i = (size_t)(u - g->lo);

	if (g->adj == NULL)
		g->off[i + 1]++;
	else
		g->adj[g->off[i]++] = (uint32_t)v;
}

/* After counting: turn counts into offsets and allocate adj. */
static void
csr_alloc(struct csr *g)
{
	long long i;

	for (i = 0; i < g->n; i++)
		g->off[i + 1] += g->off[i];
	g->adj = ecalloc(g->off[g->n], sizeof *g->adj);
}

/* After filling, off[i] points at the end of list i: shift back. */
static void
csr_done(struct csr *g)
{
	long long i;

	for (i = g->n; i > 0; i--)
		g->off[i] = g->off[i - 1];
	g->off[0] = 0;
}

/* Cross relations of one cell: (owner, partner) pairs, owner in the cell,
 * in the order the draws made them. Appends stay sequential per cell, so
 * the pass over every user's draws runs at memory speed. */
struct bucket {
	uint32_t *e;            /* owner, partner, owner, partner, ... */
	size_t    n, cap;       /* in uint32_t */
};

static inline void
bucket_add(struct bucket *b, long long owner, long long partner)
{
	if (b->n + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1 << 12;
		b->e = ereallocarray(b->e, b->cap, sizeof *b->e);
	}
	b->e[b->n++] = (uint32_t)owner;
	b->e[b->n++] = (uint32_t)partner;
}

/* Cross-cell draws of every user; keeps those with an end in cells
 * first..last, in b[cell - first]. O(users * cross). */
static void
cross_pass(long long first, long long last, struct bucket *b)
{
	long long c, u, lo, hi, nc, ks, kx, j, v, m, glo, ghi;
	struct prng p;

	if (cfg.cross == 0)
		return;
	cells_range(cfg.lay.users, cfg.lay.cells, first, &glo, &hi);
	cells_range(cfg.lay.users, cfg.lay.cells, last, &lo, &ghi);
	for (c = 1; c <= cfg.lay.cells; c++) {
		cells_range(cfg.lay.users, cfg.lay.cells, c, &lo, &hi);
		nc = hi - lo + 1;
		m = cfg.lay.users - nc;
		for (u = lo; u <= hi; u++) {
			proposals(u, nc, &ks, &kx);
			prng_seed(&p, cfg.seed, 3 * (uint64_t)u + 1);
			for (j = 0; j < kx; j++) {
				v = (long long)prng_below(&p, (uint64_t)m) + 1;
				if (v >= lo)
					v += nc;
				if (c >= first && c <= last)
					bucket_add(&b[c - first], u, v);
				if (v >= glo && v <= ghi)
					bucket_add(&b[(v - 1) / csize + 1 - first], v, u);
			}
		}
	}
}

/* Same-cell draws of the users of one cell (g covers exactly that cell).
 * O(cell size * same). */
static void
same_pass(struct csr *g)
{
	long long u, ks, kx, j, v, lo = g->lo, nc = g->n;
	struct prng p;

	for (u = lo; u < lo + nc; u++) {
		proposals(u, nc, &ks, &kx);
		prng_seed(&p, cfg.seed, 3 * (uint64_t)u);
		for (j = 0; j < ks; j++) {
			v = lo + (long long)prng_below(&p, (uint64_t)(nc - 1));
			if (v >= u)
				v++;
			csr_add(g, u, v);
			csr_add(g, v, u);
		}
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Sort ascending and drop duplicates; returns the new length. Insertion sort
 * for the usual ~30 entries, qsort above that. */
static size_t
sort_unique(uint32_t *a, size_t n)
{
	size_t i, j, k;
	uint32_t t;

	if (n > 48)
		qsort(a, n, sizeof *a, cmp_u32);
	else
		for (i = 1; i < n; i++) {
			t = a[i];
			for (j = i; j > 0 && a[j - 1] > t; j--)
				a[j] = a[j - 1];
			a[j] = t;
		}
	for (i = k = 0; i < n; i++)
		if (k == 0 || a[i] != a[k - 1])
			a[k++] = a[i];
	return k;
}

/* Build and print cell c: its same-cell draws and its cross relations x,
 * in one CSR, then per user sort, drop duplicates and format. */
static void
print_cell(long long c, const struct bucket *x)
{
	struct csr s = { 0, 0, NULL, NULL };
	long long lo, hi, nc, u, v;
	uint32_t *list;
	size_t cap, n, i, k, plen;
	char prefix[16], *q;
	int clique, fill;

	cells_range(cfg.lay.users, cfg.lay.cells, c, &lo, &hi);
	nc = hi - lo + 1;
	clique = cfg.same >= nc - 1;
	s.lo = lo;
	s.n = nc;
	s.off = ecalloc((size_t)nc + 1, sizeof *s.off);
	for (fill = 0; fill < 2; fill++) {
		if (fill)
			csr_alloc(&s);
		if (!clique)
			same_pass(&s);
		for (k = 0; k < x->n; k += 2)
			csr_add(&s, x->e[k], x->e[k + 1]);
	}
	csr_done(&s);
	cap = 64;
	list = ecalloc(cap, sizeof *list);
	for (u = lo; u <= hi; u++) {
		n = s.off[u - lo + 1] - s.off[u - lo];
		i = n + (clique ? (size_t)nc - 1 : 0);
		if (i > cap) {
			while (cap < i)
				cap *= 2;
			free(list);
			list = ecalloc(cap, sizeof *list);
		}
		if (n > 0)
			memcpy(list, s.adj + s.off[u - lo], n * sizeof *list);
		if (clique)
			for (v = lo; v <= hi; v++)
				if (v != u)
					list[n++] = (uint32_t)v;
		n = sort_unique(list, n);
		q = cs_utoa(prefix, (unsigned long long)u);
		*q++ = '\t';
		plen = (size_t)(q - prefix);
		for (i = 0; i < n; i++) {
			if (olen + 32 > sizeof obuf)
				oflush();
			q = obuf + olen;
			memcpy(q, prefix, 16);
			q = cs_utoa(q + plen, list[i]);
			*q++ = '\n';
			olen = (size_t)(q - obuf);
		}
	}
	free(list);
	free(s.off);
	free(s.adj);
}

/* Print cells first..last: one cross pass for the group, then each cell. */
static void
print_group(long long first, long long last)
{
	struct bucket *x = ecalloc((size_t)(last - first + 1), sizeof *x);
	long long c;

	cross_pass(first, last, x);
	for (c = first; c <= last; c++) {
		print_cell(c, &x[c - first]);
		free(x[c - first].e);
	}
	free(x);
}

/* Refuse parameters that cannot give every user a friend (exit 2). */
static void
check_params(void)
{
	long long lastn;

	cells_opt_check(&cfg.lay);
	csize = cells_size(cfg.lay.users, cfg.lay.cells);
	if (cfg.lay.cells == 1 && !cfg.cross_set)
		cfg.cross = 0;
	if (cfg.cross > 0 && cfg.lay.cells == 1) {
		warnx("-x %lld: with one cell there is no other cell to befriend (use -x 0)",
		    cfg.cross);
		exit(2);
	}
	if (cfg.same == 0 && cfg.cross == 0) {
		warnx("-s 0 -x 0: users would have no friends");
		exit(2);
	}
	lastn = cfg.lay.users - (cfg.lay.cells - 1) * csize;
	if (cfg.cross == 0 && lastn == 1) {
		warnx("-x 0: cell %lld holds only user %lld, who could have no friend",
		    cfg.lay.cells, cfg.lay.users);
		exit(2);
	}
}

int
main(int argc, char *argv[])
{
	long long c, first, n;
	int ch;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "n:c:s:x:S:k:h", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			cfg.same = cs_optnum(ch, optarg, 0, SAME_MAX);
			break;
		case 'x':
			cfg.cross = cs_optnum(ch, optarg, 0, CROSS_MAX);
			cfg.cross_set = 1;
			break;
		case 'S':
			cfg.seed = (uint64_t)cs_optnum(ch, optarg, 0, INT64_MAX);
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			if (!cells_opt(&cfg.lay, ch, optarg))
				usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || cfg.lay.users == 0 || cfg.lay.cells == 0)
		usage(stderr, 2);
	check_params();

	if (cfg.lay.cell != 0)
		print_group(cfg.lay.cell, cfg.lay.cell);
	else
		for (first = 1; first <= cfg.lay.cells; first = c) {
			/* Whole cells while the cross lists stay within budget. */
			for (c = first, n = 0; c <= cfg.lay.cells; c++) {
				n += csize * (cfg.cross + 1);
				if (c > first && n > GROUP_ENTRIES)
					break;
			}
			print_group(first, c - 1);
		}
	oflush();
	fshut(stdout, "<stdout>");
	return 0;
}
