/* graph-check: test helper that reads relation lines (uid<TAB>fid) on stdin
 * and reports the friend-graph invariants of DESIGN.md as one line of
 * key=value fields, for the shell tests to assert:
 *   lines users friendless self dup unsorted range asym min max
 *   same_mean cross_mean (means per user, 3 decimals)
 *   xpair_min xpair_max (fewest and most relations between two different cells)
 * Usage: graph-check users cells. Exit 0 when it could read the input; the
 * verdict is in the fields (the test compares them), exit 1 on bad format. */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "lines.h"
#include "num.h"

static int
has(const uint32_t *a, size_t n, uint32_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (a[m] < v)
			lo = m + 1;
		else if (a[m] > v)
			hi = m;
		else
			return 1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	long long users, cells, u, v, prev_u = 0, prev_v = 0;
	long long self = 0, dup = 0, unsorted = 0, range = 0, asym = 0, friendless = 0;
	long long same = 0, cross = 0, mind = -1, maxd = 0, d;
	long long *xpair, xmin = -1, xmax = 0, a, b;
	size_t nl = 0, cap = 1 << 20, i, *off;
	uint32_t *uid, *fid;
	struct lines l;
	char *line, *tab;
	const char *e;
	ssize_t len;

	if (argc != 3)
		errx(2, "usage: graph-check users cells");
	users = cs_optnum('n', argv[1], 1, CELLS_MAX_USERS);
	cells = cs_optnum('c', argv[2], 1, CELLS_MAX_CELLS);
	uid = malloc(cap * sizeof *uid);
	fid = malloc(cap * sizeof *fid);
	off = calloc((size_t)users + 2, sizeof *off);
	xpair = calloc((size_t)(cells * cells), sizeof *xpair);
	if (uid == NULL || fid == NULL || off == NULL || xpair == NULL)
		err(1, "malloc");
	lines_init(&l, stdin, "<stdin>", 64);
	while ((len = lines_next(&l, &line)) >= 0) {
		if ((tab = memchr(line, '\t', (size_t)len)) == NULL)
			lines_die(&l, "no tab");
		u = cs_strntonum(line, (size_t)(tab - line), 1, users, &e);
		if (e == NULL)
			v = cs_strntonum(tab + 1, (size_t)(len - (tab + 1 - line)), 1, users, &e);
		if (e != NULL) {
			range++;
			continue;
		}
		if (u == v)
			self++;
		if (u == prev_u && v == prev_v)
			dup++;
		else if (u < prev_u || (u == prev_u && v < prev_v))
			unsorted++;
		prev_u = u;
		prev_v = v;
		if (nl == cap) {
			cap *= 2;
			uid = realloc(uid, cap * sizeof *uid);
			fid = realloc(fid, cap * sizeof *fid);
			if (uid == NULL || fid == NULL)
				err(1, "realloc");
		}
		uid[nl] = (uint32_t)u;
		fid[nl++] = (uint32_t)v;
		off[u + 1]++;
		a = cells_of(users, cells, u);
		b = cells_of(users, cells, v);
		if (a == b)
			same++;
		else {
			cross++;
			xpair[(a - 1) * cells + b - 1]++;
		}
	}
	for (u = 1; u <= users; u++) {
		d = (long long)off[u + 1];
		if (d == 0)
			friendless++;
		if (mind < 0 || d < mind)
			mind = d;
		if (d > maxd)
			maxd = d;
		off[u + 1] += off[u];
	}
	for (a = 0; a < cells; a++)
		for (b = 0; b < cells; b++)
			if (a != b) {
				d = xpair[a * cells + b];
				if (xmin < 0 || d < xmin)
					xmin = d;
				if (d > xmax)
					xmax = d;
			}
	/* Symmetry needs sorted lists: only checked when the input is sorted. */
	if (unsorted == 0)
		for (i = 0; i < nl; i++)
			if (!has(fid + off[fid[i]], off[fid[i] + 1] - off[fid[i]], uid[i]))
				asym++;
	printf("lines=%zu users=%lld friendless=%lld self=%lld dup=%lld unsorted=%lld "
	    "range=%lld asym=%lld min=%lld max=%lld same_mean=%.3f cross_mean=%.3f "
	    "xpair_min=%lld xpair_max=%lld\n",
	    nl, users, friendless, self, dup, unsorted, range, unsorted ? -1 : asym,
	    mind, maxd, (double)same / (double)users, (double)cross / (double)users,
	    xmin, xmax);
	free(uid);
	free(fid);
	free(off);
	free(xpair);
	lines_free(&l);
	return fflush(stdout) != 0;
}
