/* inventory.c: parse and validate hosts/inventory. */
#include <arpa/inet.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "inventory.h"
#include "lines.h"
#include "num.h"

static void
field(struct lines *l, char *dst, size_t cap, const char *src, const char *what)
{
	if (strlen(src) >= cap)
		lines_die(l, "%s longer than %zu bytes: \"%.40s...\"", what, cap - 1, src);
	strcpy(dst, src);
}

static long long
number(struct lines *l, const char *s, const char *what)
{
	const char *errstr;
	long long v = cs_strtonum(s, 1, 1000000000LL, &errstr);

	if (errstr != NULL)
		lines_die(l, "%s is not a number from 1 to 1000000000: \"%s\"", what, s);
	return v;
}

void
inventory_load(const char *path, struct inventory *inv)
{
	struct lines l;
	char *line, *tok[8], *save;
	struct in_addr ia;
	size_t cap = 0;
	int nt;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		err(1, "%s", path);
	memset(inv, 0, sizeof *inv);
	lines_init(&l, fp, path, 1024);
	while (lines_next(&l, &line) >= 0) {
		struct host h;

		memset(&h, 0, sizeof h);
		for (nt = 0; ; nt++) {
			char *t = strtok_r(nt == 0 ? line : NULL, " \t\r", &save);
			if (t == NULL)
				break;
			if (nt < 8)
				tok[nt] = t;
		}
		if (nt == 0 || tok[0][0] == '#')
			continue;
		if (nt != 5 && nt != 7)
			lines_die(&l, "want 5 or 7 fields (name addr cell lo hi [instance-id public-addr]), got %d", nt);
		field(&l, h.name, sizeof h.name, tok[0], "name");
		field(&l, h.addr, sizeof h.addr, tok[1], "addr");
		if (inet_pton(AF_INET, h.addr, &ia) != 1)
			lines_die(&l, "addr is not an IPv4 address: \"%s\"", h.addr);
		h.cell = number(&l, tok[2], "cell");
		h.lo = number(&l, tok[3], "lo");
		h.hi = number(&l, tok[4], "hi");
		if (nt == 7) {
			field(&l, h.instance, sizeof h.instance, tok[5], "instance-id");
			field(&l, h.public_addr, sizeof h.public_addr, tok[6], "public-addr");
		}
		if (h.lo > h.hi)
			lines_die(&l, "lo %lld is above hi %lld", h.lo, h.hi);
		if (h.cell != (long long)inv->n + 1)
			lines_die(&l, "cell %lld out of order: expected cell %zu", h.cell, inv->n + 1);
		if (h.lo != (inv->n ? inv->host[inv->n - 1].hi + 1 : 1))
			lines_die(&l, "cell %lld starts at %lld: ranges must be contiguous from 1",
			    h.cell, h.lo);
		if (inv->n == cap) {
			cap = cap ? cap * 2 : 16;
			inv->host = ereallocarray(inv->host, cap, sizeof *inv->host);
		}
		inv->host[inv->n++] = h;
	}
	if (ferror(fp))
		err(1, "%s", path);
	fclose(fp);
	lines_free(&l);
	if (inv->n == 0)
		errx(1, "%s: no hosts in inventory", path);
	inv->users = inv->host[inv->n - 1].hi;
}

const struct host *
inventory_cell(const struct inventory *inv, long long k)
{
	if (k < 1 || (size_t)k > inv->n)
		return NULL;
	return &inv->host[k - 1];
}

const struct host *
inventory_self(const char *path, long long k, struct inventory *inv)
{
	const struct host *h;

	inventory_load(path, inv);
	if ((h = inventory_cell(inv, k)) == NULL)
		errx(1, "%s: no cell %lld", path, k);
	return h;
}

const struct host *
inventory_owner(const struct inventory *inv, long long uid)
{
	size_t a = 0, b = inv->n;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (uid < inv->host[m].lo)
			b = m;
		else if (uid > inv->host[m].hi)
			a = m + 1;
		else
			return &inv->host[m];
	}
	return NULL;
}

void
inventory_free(struct inventory *inv)
{
	free(inv->host);
	memset(inv, 0, sizeof *inv);
}
