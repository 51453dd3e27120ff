/* test-peerline.c: unit tests of src/lib/peerline.c, TAP output: peer lines
 * as cellsrv reads them from another cell (every field valid, missing and
 * malformed in each way, ids at their bounds), the items of its Redis
 * functions, inbox entries, and lines written back and read again. */
#include <stdio.h>
#include <string.h>

#include "peerline.h"
#include "helper/testhelp.h"

#define USERS 20        /* the cluster's users: FROM and TO bound */

/* One record and what parsing it gives: err NULL and the fields, or the
 * name of the field refused. len 0: strlen(s) (a case with a NUL in it
 * gives its length). */
struct tcase {
	const char *what, *s;
	size_t      len;
	const char *err;
	long long   from, to, seq, k;
	const char *body;
	size_t      blen;
};

static const struct tcase lines[] = {
	{ "D line", "D 1 2 3 4 hello", 0, NULL, 1, 2, 3, 4, "hello", 5 },
	{ "D line, escapes decoded", "D 1 2 3 4 %41%62c%0A%25", 0, NULL, 1, 2, 3, 4, "Abc\n%", 5 },
	{ "D line, empty body", "D 1 2 3 4 ", 0, NULL, 1, 2, 3, 4, "", 0 },
	{ "D line, body is the rest: spaces kept", "D 1 2 3 4 a b ", 0, NULL, 1, 2, 3, 4, "a b ", 4 },
	{ "D line, '+' stays '+'", "D 1 2 3 4 a+b", 0, NULL, 1, 2, 3, 4, "a+b", 3 },
	{ "D line, largest ids", "D 20 19 99999999999999 99999999999999 x", 0, NULL,
	  20, 19, 99999999999999LL, 99999999999999LL, "x", 1 },
	{ "A line", "A 1 2 3", 0, NULL, 1, 2, 0, 3, NULL, 0 },
	{ "A line, largest ids", "A 20 20 99999999999999", 0, NULL, 20, 20, 0, 99999999999999LL,
	  NULL, 0 },
	{ "A line, smallest ids", "A 1 1 1", 0, NULL, 1, 1, 0, 1, NULL, 0 },

	{ "empty line", "", 0, "type", 0, 0, 0, 0, NULL, 0 },
	{ "unknown type", "X 1 2 3", 0, "type", 0, 0, 0, 0, NULL, 0 },
	{ "type of two letters", "DD 1 2 3 4 x", 0, "type", 0, 0, 0, 0, NULL, 0 },
	{ "lower-case d", "d 1 2 3 4 x", 0, "type", 0, 0, 0, 0, NULL, 0 },
	{ "a (items only)", "a 1 2 3", 0, "type", 0, 0, 0, 0, NULL, 0 },
	{ "NUL type", "\0 1 2 3", 7, "type", 0, 0, 0, 0, NULL, 0 },
	{ "type alone", "A", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "FROM empty", "A ", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "two spaces", "A  1 2 3", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "TO missing", "A 1", 0, "TO", 0, 0, 0, 0, NULL, 0 },
	{ "K missing", "A 1 2", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "K empty", "A 1 2 ", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "SEQ missing", "D 1 2", 0, "SEQ", 0, 0, 0, 0, NULL, 0 },
	{ "D K missing", "D 1 2 3", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "BODY missing", "D 1 2 3 4", 0, "BODY", 0, 0, 0, 0, NULL, 0 },
	{ "FROM not a number", "A x 2 3", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "TO with a letter", "A 1 2x 3", 0, "TO", 0, 0, 0, 0, NULL, 0 },
	{ "SEQ with a sign", "D 1 2 -3 4 x", 0, "SEQ", 0, 0, 0, 0, NULL, 0 },
	{ "K with a plus", "D 1 2 3 +4 x", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "FROM with a NUL", "A 1\0 2 3", 8, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "FROM zero", "A 0 2 3", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "TO zero", "A 1 0 3", 0, "TO", 0, 0, 0, 0, NULL, 0 },
	{ "SEQ zero", "D 1 2 0 4 x", 0, "SEQ", 0, 0, 0, 0, NULL, 0 },
	{ "K zero", "A 1 2 0", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "FROM leading zero", "A 01 2 3", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "SEQ leading zero", "D 1 2 03 4 x", 0, "SEQ", 0, 0, 0, 0, NULL, 0 },
	{ "FROM above users", "A 21 2 3", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "TO above users", "D 1 21 3 4 x", 0, "TO", 0, 0, 0, 0, NULL, 0 },
	{ "SEQ 10^14", "D 1 2 100000000000000 4 x", 0, "SEQ", 0, 0, 0, 0, NULL, 0 },
	{ "K 10^14", "A 1 2 100000000000000", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "K past 2^64", "A 1 2 99999999999999999999999", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "A, trailing space", "A 1 2 3 ", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "A, trailing junk", "A 1 2 3 x", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "A, trailing CR", "A 1 2 3\r", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "escape cut short", "D 1 2 3 4 ab%4", 0, "BODY", 0, 0, 0, 0, NULL, 0 },
	{ "escape not hex", "D 1 2 3 4 %zz", 0, "BODY", 0, 0, 0, 0, NULL, 0 },
	{ "escaped NUL", "D 1 2 3 4 a%00", 0, "BODY", 0, 0, 0, 0, NULL, 0 },
	{ "raw NUL in body", "D 1 2 3 4 a\0b", 13, "BODY", 0, 0, 0, 0, NULL, 0 },
};

static const struct tcase items[] = {
	{ "D item, body as sent", "D 1 5 7 9 a b\n%41", 0, NULL, 1, 5, 7, 9, "a b\n%41", 7 },
	{ "D item, empty body", "D 1 5 7 9 ", 0, NULL, 1, 5, 7, 9, "", 0 },
	{ "A item", "A 1 5 9", 0, NULL, 1, 5, 0, 9, NULL, 0 },
	{ "a item", "a 1 5 9", 0, NULL, 1, 5, 0, 9, NULL, 0 },
	{ "A item, uid bound is ID_MAX", "A 99999999999999 1 1", 0, NULL, 99999999999999LL, 1, 0,
	  1, NULL, 0 },
	{ "item of unknown type", "x 1 5 9", 0, "type", 0, 0, 0, 0, NULL, 0 },
	{ "D item without body", "D 1 5 7 9", 0, "BODY", 0, 0, 0, 0, NULL, 0 },
	{ "a item, K zero", "a 1 5 0", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "A item, trailing junk", "A 1 5 9 x", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "A item, FROM 10^14", "A 100000000000000 1 1", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
};

static const struct tcase entries[] = {
	{ "inbox entry", "2 1 7 hi there", 0, NULL, 2, 0, 1, 7, "hi there", 8 },
	{ "inbox entry, empty body", "2 1 7 ", 0, NULL, 2, 0, 1, 7, "", 0 },
	{ "inbox entry, largest ids", "99999999999999 99999999999999 99999999999999 x", 0, NULL,
	  99999999999999LL, 0, 99999999999999LL, 99999999999999LL, "x", 1 },
	{ "empty entry", "", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "entry of no numbers", "garbage", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "entry, SEQ missing", "2", 0, "SEQ", 0, 0, 0, 0, NULL, 0 },
	{ "entry, K missing", "2 1", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "entry, BODY missing", "2 1 7", 0, "BODY", 0, 0, 0, 0, NULL, 0 },
	{ "entry, SEQ not a number", "2 x 7 b", 0, "SEQ", 0, 0, 0, 0, NULL, 0 },
	{ "entry, K zero", "2 1 0 b", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "entry, FROM leading zero", "02 1 7 b", 0, "FROM", 0, 0, 0, 0, NULL, 0 },
	{ "entry, K 10^14", "2 1 100000000000000 b", 0, "K", 0, 0, 0, 0, NULL, 0 },
	{ "entry, K past 2^64", "2 1 184467440737095516160 b", 0, "K", 0, 0, 0, 0, NULL, 0 },
};

enum { LINE, ITEM, ENTRY };

static void
run(int kind, const char *kname, const struct tcase *c, size_t n)
{
	static char body[3 * MSG_BODY_MAX];
	char what[160];
	size_t i;

	for (i = 0; i < n; i++, c++) {
		struct peerline pl;
		size_t len = c->len ? c->len : strlen(c->s);
		const char *err = kind == LINE ? peerline_parse(&pl, c->s, len, USERS, body) :
		    kind == ITEM ? peerline_item(&pl, c->s, len) : peerline_inbox(&pl, c->s, len);
		int good;

		if (c->err != NULL) {
			good = err != NULL && strcmp(err, c->err) == 0;
			snprintf(what, sizeof what, "%s: %s refused at %s", kname, c->what, c->err);
		} else {
			good = err == NULL && pl.from == c->from && pl.to == c->to &&
			    pl.seq == c->seq && pl.k == c->k && (c->body == NULL ? pl.body == NULL :
			    pl.body != NULL && pl.blen == c->blen && memcmp(pl.body, c->body, c->blen) == 0);
			snprintf(what, sizeof what, "%s: %s", kname, c->what);
		}
		ok(good, what);
		if (!good)
			printf("#   got %s, from %lld to %lld seq %lld k %lld\n", err ? err : "ok",
			    pl.from, pl.to, pl.seq, pl.k);
	}
}

/* A body of n bytes, too long or just right, in a D line. */
static const char *
long_line(size_t n, const char *unit)
{
	static char buf[4 * 3 * MSG_BODY_MAX];
	size_t i, u = strlen(unit);
	char *p = buf + sprintf(buf, "D 1 2 3 4 ");

	for (i = 0; i < n; i++, p += u)
		memcpy(p, unit, u);
	*p = '\0';
	return buf;
}

static void
test_lengths(void)
{
	static char body[3 * MSG_BODY_MAX];
	struct peerline pl;
	const char *s;

	s = long_line(MSG_BODY_MAX, "x");
	ok(peerline_parse(&pl, s, strlen(s), USERS, body) == NULL && pl.blen == MSG_BODY_MAX,
	    "line: body of MSG_BODY_MAX bytes");
	s = long_line(MSG_BODY_MAX + 1, "x");
	ok(peerline_parse(&pl, s, strlen(s), USERS, body) != NULL,
	    "line: body of MSG_BODY_MAX + 1 bytes refused");
	s = long_line(MSG_BODY_MAX, "%41");
	ok(peerline_parse(&pl, s, strlen(s), USERS, body) == NULL && pl.blen == MSG_BODY_MAX &&
	    body[0] == 'A', "line: body of 3 * MSG_BODY_MAX bytes encoded");
	s = long_line(MSG_BODY_MAX + 1, "%41");
	ok(peerline_parse(&pl, s, strlen(s), USERS, body) != NULL,
	    "line: body over 3 * MSG_BODY_MAX bytes encoded refused");
}

/* The arguments cs_peer gets for a line: its fields, the body decoded. */
static void
test_fields(void)
{
	static const char *want[] = { "D", "12", "3", "5", "6", "A b" };
	static char body[3 * MSG_BODY_MAX];
	struct peerline pl;
	const char *s = "D 12 3 5 6 A%20b";
	int i, good;

	good = peerline_parse(&pl, s, strlen(s), USERS, body) == NULL && pl.nf == 6;
	for (i = 0; good && i < 6; i++)
		good = pl.fl[i] == strlen(want[i]) && memcmp(pl.f[i], want[i], pl.fl[i]) == 0;
	ok(good, "line: fields are cs_peer's 6 arguments, body decoded");
	s = "A 12 3 5";
	good = peerline_parse(&pl, s, strlen(s), USERS, body) == NULL && pl.nf == 4 &&
	    pl.fl[3] == 1 && pl.f[3][0] == '5';
	ok(good, "line: an A gives 4 arguments");
}

/* An item D of the largest ids and a body of n bytes: byte(i) each. */
static size_t
big_item(char *buf, size_t n, int (*byte)(size_t))
{
	char *p = buf + sprintf(buf, "D 99999999999999 99999999999999 99999999999999 99999999999999 ");
	size_t i;

	for (i = 0; i < n; i++)
		*p++ = (char)byte(i);
	return (size_t)(p - buf);
}

static int every_byte(size_t i) { return (int)(i % 255 + 1); }     /* but NUL */
static int escaped(size_t i) { (void)i; return 0xff; }

/* Items written as lines, and the lines read back. */
static void
test_format(void)
{
	static char body[3 * MSG_BODY_MAX], item[2 * MSG_BODY_MAX], line[PEERLINE_MAX];
	struct peerline it, pl;
	size_t n;

	peerline_item(&it, "D 1 5 7 9 a b\n%", 15);
	n = peerline_format(line, &it);
	ok(n == 22 && memcmp(line, "D 1 5 7 9 a%20b%0A%25\n", n) == 0, "format: D item, body encoded");
	peerline_item(&it, "A 1 5 9", 7);
	n = peerline_format(line, &it);
	ok(n == 8 && memcmp(line, "A 1 5 9\n", n) == 0, "format: A item as it is");

	n = big_item(item, MSG_BODY_MAX, every_byte);
	ok(peerline_item(&it, item, n) == NULL, "format: D item of every byte but NUL parsed");
	n = peerline_format(line, &it);
	ok(n > 0 && line[n - 1] == '\n' && memchr(line, '\n', n - 1) == NULL &&
	    memchr(line + 62, ' ', n - 62) == NULL, "format: one line, no space in the body");
	ok(peerline_parse(&pl, line, n - 1, ID_MAX, body) == NULL && pl.from == it.from &&
	    pl.to == it.to && pl.seq == it.seq && pl.k == it.k && pl.blen == MSG_BODY_MAX &&
	    memcmp(pl.body, it.body, MSG_BODY_MAX) == 0, "format: line read back gives the item");

	n = big_item(item, MSG_BODY_MAX, escaped);
	peerline_item(&it, item, n);
	n = peerline_format(line, &it);
	ok(n == 62 + 3 * MSG_BODY_MAX + 1 && n <= PEERLINE_MAX, "format: longest line fits PEERLINE_MAX");
	n = big_item(item, MSG_BODY_MAX + 10, escaped);
	peerline_item(&it, item, n);
	ok(peerline_format(line, &it) == 62 + 3 * MSG_BODY_MAX + 1,
	    "format: body cut to MSG_BODY_MAX bytes");
}

int
main(void)
{
	run(LINE, "line", lines, sizeof lines / sizeof lines[0]);
	run(ITEM, "item", items, sizeof items / sizeof items[0]);
	run(ENTRY, "inbox", entries, sizeof entries / sizeof entries[0]);
	test_lengths();
	test_fields();
	test_format();
	return done_testing();
}
