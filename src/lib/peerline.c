/* peerline.c: peer lines, items and inbox entries split into fields and
 * written back (peerline.h). One routine reads the fields of all three
 * kinds; every number goes through cs_fieldnum. */
#include <string.h>

#include "num.h"
#include "pct.h"
#include "peerline.h"

enum { FROM, TO, SEQ, K, BODY, END = -1 };

static const char *const field_name[] = { "FROM", "TO", "SEQ", "K", "BODY" };

/* The fields of each kind of record, after the type letter if any. */
static const signed char dlv[] = { FROM, TO, SEQ, K, BODY, END };
static const signed char ack[] = { FROM, TO, K, END };
static const signed char inbox[] = { FROM, SEQ, K, BODY, END };

/* Read the fields of layout from p up to e into pl, one space before each
 * but the first: canonical numbers in [1, max] (uids in [1, umax]), BODY
 * the rest, as it is. Returns NULL or the name of the first field missing
 * or malformed; bytes after a last field that is a number are its own. */
static const char *
fields(struct peerline *pl, const char *p, const char *e, const signed char *layout,
    long long umax)
{
	long long *val[] = { &pl->from, &pl->to, &pl->seq, &pl->k };
	const char *start, *errstr;
	int i, id;

	for (i = 0; (id = layout[i]) != END; i++) {
		if (i > 0) {
			if (p == e)
				return field_name[id];
			p++;            /* the space the last number stopped at */
		}
		start = p;
		if (id == BODY) {
			pl->body = p;
			pl->blen = (size_t)(e - p);
			p = e;
		} else {
			*val[id] = cs_fieldnum(&p, e, ' ', 1, id == FROM || id == TO ? umax : ID_MAX,
			    &errstr);
			if (errstr != NULL || *start == '0')
				return field_name[id];
		}
		pl->f[pl->nf] = start;
		pl->fl[pl->nf++] = (size_t)(p - start);
	}
	return p == e ? NULL : field_name[layout[i - 1]];
}

/* A record that starts with one of the letters types and a space. */
static const char *
typed(struct peerline *pl, const char *s, size_t n, const char *types, long long umax)
{
	memset(pl, 0, sizeof *pl);
	if (n == 0 || s[0] == '\0' || strchr(types, s[0]) == NULL || (n > 1 && s[1] != ' '))
		return "type";
	if (n == 1)
		return "FROM";
	pl->type = s[0];
	pl->f[0] = s;
	pl->fl[0] = 1;
	pl->nf = 1;
	return fields(pl, s + 2, s + n, s[0] == 'D' ? dlv : ack, umax);
}

const char *
peerline_parse(struct peerline *pl, const char *s, size_t n, long long users, char *body)
{
	const char *bad = typed(pl, s, n, "DA", users);
	long dlen;

	if (bad != NULL || pl->type != 'D')
		return bad;
	dlen = pl->blen > 3 * MSG_BODY_MAX ? -1 : pct_decode(body, pl->body, pl->blen, 0);
	if (dlen < 0 || dlen > MSG_BODY_MAX)
		return "BODY";
	pl->body = pl->f[5] = body;
	pl->blen = pl->fl[5] = (size_t)dlen;
	return NULL;
}

const char *
peerline_item(struct peerline *pl, const char *s, size_t n)
{
	return typed(pl, s, n, "DAa", ID_MAX);
}

const char *
peerline_inbox(struct peerline *pl, const char *s, size_t n)
{
	memset(pl, 0, sizeof *pl);
	return fields(pl, s, s + n, inbox, ID_MAX);
}

size_t
peerline_format(char *dst, const struct peerline *pl)
{
	char *p = dst;

	*p++ = pl->type;
	*p++ = ' ';
	p = cs_utoa(p, (unsigned long long)pl->from);
	*p++ = ' ';
	p = cs_utoa(p, (unsigned long long)pl->to);
	*p++ = ' ';
	if (pl->type == 'D') {
		p = cs_utoa(p, (unsigned long long)pl->seq);
		*p++ = ' ';
	}
	p = cs_utoa(p, (unsigned long long)pl->k);
	if (pl->type == 'D') {
		*p++ = ' ';
		p += pct_encode(p, pl->body, pl->blen > MSG_BODY_MAX ? MSG_BODY_MAX : pl->blen);
	}
	*p++ = '\n';
	return (size_t)(p - dst);
}
