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

void
relation_parse(struct lines *l, const char *line, size_t len, long long max,
               long long *uid, long long *fid)
{
	const char *tab = memchr(line, '\t', len);

	if (tab == NULL)
		lines_die(l, "no tab between uid and fid: \"%.24s\"", line);
	*uid = id_field(l, line, (size_t)(tab - line), max, 1);
	*fid = id_field(l, tab + 1, (size_t)(line + len - tab - 1), max, 2);
	if (*uid == *fid)
		lines_die(l, "user %lld is its own friend", *uid);
}
