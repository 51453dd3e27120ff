/* hist.c: the histograms of hist.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

int
hist_bounds(double *le, int max)
{
	static const int mant[] = { 100, 125, 160, 200, 250, 320, 400, 500, 630, 800 };
	char buf[32];
	int n = 0, e, i;

	for (e = -6; e <= -1 && n < max; e++)           /* 100e-6 s ... 800e-1 s */
		for (i = 0; i < 10 && n < max; i++) {
			snprintf(buf, sizeof buf, "%de%d", mant[i], e);
			le[n++] = strtod(buf, NULL);            /* the decimal value, rounded once */
		}
	return n;
}

void
hist_clear(struct hist *h)
{
	h->n = 0;
}

int
hist_add(struct hist *h, double le, unsigned long long count)
{
	int i = h->n;

	while (i > 0 && h->le[i - 1] > le)
		i--;
	if (i > 0 && h->le[i - 1] == le) {
		h->c[i - 1] += count;
		return 0;
	}
	if (h->n == HIST_MAX)
		return -1;
	memmove(&h->le[i + 1], &h->le[i], (size_t)(h->n - i) * sizeof h->le[0]);
	memmove(&h->c[i + 1], &h->c[i], (size_t)(h->n - i) * sizeof h->c[0]);
	h->le[i] = le;
	h->c[i] = count;
	h->n++;
	return 0;
}

int
hist_merge(struct hist *a, const struct hist *b)
{
	int i;

	for (i = 0; i < b->n; i++)
		if (hist_add(a, b->le[i], b->c[i]) != 0)
			return -1;
	return 0;
}

int
hist_parse_add(struct hist *h, const char *s, size_t len)
{
	const char *p = s, *e = s + len;
	char num[48], *end;

	while (p < e) {
		const char *colon = memchr(p, ':', (size_t)(e - p)), *comma;
		unsigned long long c = 0;
		double le;
		size_t n;

		if (colon == NULL || (n = (size_t)(colon - p)) == 0 || n >= sizeof num)
			return -1;
		memcpy(num, p, n);
		num[n] = '\0';
		le = strtod(num, &end);
		if (*end != '\0' || isnan(le))
			return -1;
		comma = memchr(colon, ',', (size_t)(e - colon));
		if (comma == NULL)
			comma = e;
		if (comma == colon + 1)
			return -1;
		for (p = colon + 1; p < comma; p++) {
			if (*p < '0' || *p > '9' || c > (~0ULL - 9) / 10)
				return -1;
			c = c * 10 + (unsigned)(*p - '0');
		}
		if (hist_add(h, le, c) != 0)
			return -1;
		p = comma < e ? comma + 1 : e;
	}
	return 0;
}

static int
put_bucket(char *buf, size_t size, size_t *o, double le, unsigned long long c)
{
	int n;

	if (isinf(le))
		n = snprintf(buf + *o, size - *o, "%s+Inf:%llu", *o ? "," : "", c);
	else
		n = snprintf(buf + *o, size - *o, "%s%.9g:%llu", *o ? "," : "", le, c);
	if (n < 0 || (size_t)n >= size - *o)
		return -1;
	*o += (size_t)n;
	return 0;
}

int
hist_format(const struct hist *h, char *buf, size_t size)
{
	size_t o = 0;
	int i;

	if (size == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < h->n; i++) {
		int need = h->c[i] > 0 || (i + 1 < h->n && h->c[i + 1] > 0);
		if (need && put_bucket(buf, size, &o, h->le[i], h->c[i]) != 0)
			return -1;
	}
	return (int)o;
}

unsigned long long
hist_count(const struct hist *h)
{
	unsigned long long n = 0;
	int i;

	for (i = 0; i < h->n; i++)
		n += h->c[i];
	return n;
}

struct pctl
hist_pctl(const struct hist *h, double q)
{
	struct pctl p = { 0, 0, 0, hist_count(h) };
	unsigned long long rank, cum = 0;
	int i;

	if (p.n == 0)
		return p;
	rank = (unsigned long long)ceil(q * (double)p.n);
	if (rank < 1)
		rank = 1;
	if (rank > p.n)
		rank = p.n;
	for (i = 0; i < h->n; i++) {
		if (cum + h->c[i] >= rank)
			break;
		cum += h->c[i];
	}
	p.lo = i > 0 ? h->le[i - 1] : 0;
	if (p.lo < 0)
		p.lo = 0;
	p.hi = h->le[i];
	if (isinf(p.hi))
		p.value = p.lo;
	else
		p.value = p.lo + (p.hi - p.lo) * (double)(rank - cum) / (double)h->c[i];
	return p;
}
