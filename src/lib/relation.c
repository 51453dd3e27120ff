/* relation.c: parse and validate one relation line. */
#include <string.h>

#include "num.h"
#include "relation.h"

static long long
id_field(struct lines *l, const char *s, size_t len, long long max, int which)
{
	const char *e;
	long long v = cs_strntonum(s, len, 1, max, &e);
	int show = (int)(len > 24 ? 24 : len);

	if (e == NULL)
		return v;
	if (strcmp(e, "invalid") == 0)
		lines_die(l, "field %d is not a number: \"%.*s\"", which, show, s);
	lines_die(l, "%s %.*s out of range 1..%lld", which == 1 ? "uid" : "fid", show, s, max);
}

/* The usual line, "digits<TAB>digits" with both ids valid, in one pass;
 * returns 0 for anything else, which relation_parse then looks at closely. */
static int
fast(const char *line, size_t len, long long max, long long *uid, long long *fid)
{
	const char *p = line, *end = line + len, *q;
	unsigned long long u = 0, f = 0;
	unsigned d;

	while (p < end && p - line < 10 && (d = (unsigned char)*p - '0') <= 9) {
		u = u * 10 + d;
		p++;
	}
	if (p == line || p == end || *p != '\t')
		return 0;
	q = ++p;
	while (p < end && p - q < 10 && (d = (unsigned char)*p - '0') <= 9) {
		f = f * 10 + d;
		p++;
	}
	if (p == q || p != end || u < 1 || f < 1 || u > (unsigned long long)max ||
	    f > (unsigned long long)max || u == f)
		return 0;
	*uid = (long long)u;
	*fid = (long long)f;
	return 1;
}

void
relation_parse(struct lines *l, const char *line, size_t len, long long max,
               long long *uid, long long *fid)
{
	const char *tab;

	if (fast(line, len, max, uid, fid))
		return;
	tab = memchr(line, '\t', len);

	if (tab == NULL)
		lines_die(l, "no tab between uid and fid: \"%.24s\"", line);
	*uid = id_field(l, line, (size_t)(tab - line), max, 1);
	*fid = id_field(l, tab + 1, (size_t)(line + len - tab - 1), max, 2);
	if (*uid == *fid)
		lines_die(l, "user %lld is its own friend", *uid);
}
