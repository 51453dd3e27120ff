/* checkdb: prove from a cell's Redis alone that every message of the cell's
 * users arrived exactly once and in order. Reads the key layout of keys.h with
 * hiredis (synchronous, pipelined in batches of users), checks every user of
 * the cell and prints one line per failing user, then the summary line
 *   users= relations= expected= sent= acked= received= lost= duplicated=
 *   disordered= corrupt= incomplete= outbox_bad= parked= failed= seconds=
 * Exit 0 only when every user holds: SendId = SendAckId = ReceiveId =
 * friends x MSGS, LLEN o:U = SendId, LLEN i:U = ReceiveId, each friend F's
 * bodies F-U-1..F-U-MSGS in the inbox once each, in order, with pair
 * sequence SEQ = j, the outbox holding U-F-1..U-F-MSGS per friend in order,
 * and nothing left parked.
 *
 * Per user U and friend F (the counts in the summary):
 *   lost        (F, j), 1 <= j <= MSGS, with no inbox entry of body F-U-j
 *   duplicated  inbox entries repeating an (F, j) already seen
 *   disordered  first copies of F-U-j after an entry F-U-j' with j' > j
 *   corrupt     entries that are not "F SEQ K F-U-j" with F a friend,
 *               1 <= j <= MSGS, SEQ = j and K >= 1 */
#include <err.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "clock.h"
#include "ealloc.h"
#include "fshut.h"
#include "inventory.h"
#include "keys.h"
#include "num.h"
#include "opt.h"

#define NCMD     5              /* commands per user */
#define ID_MAX   1000000000000000LL
#define NOTES    8              /* problems named per user line */

static struct config {
	const char *inventory;
	long long   cell;
	long long   msgs;         /* messages from every user to every friend */
	const char *redis_addr;   /* default: the cell's address */
	int         redis_port;
	long long   batch;        /* users per pipelined round trip */
} cfg;

/* What cfg starts as, and what usage() shows. */
static const struct config defaults = {
	.msgs = 5,
	.redis_port = PORT_REDIS,
	.batch = 256,
};

static struct {
	long long users, relations, expected, sent, acked, received;
	long long lost, duplicated, disordered, corrupt, incomplete, outbox_bad;
	long long parked, failed;
} sum;

/* What is wrong with the user being checked, collected into one line. */
static struct {
	char   buf[2048];
	size_t len;
	int    notes, more;
} line;

/* Friends of the user being checked (sorted) and per friend state. */
static long long *fr;
static uint32_t  *cnt;          /* cnt[fi * (msgs + 1) + j]: copies of F-U-j */
static long long *maxj;         /* highest j seen from friend fi */
static size_t     fr_cap;

static void
note(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (line.notes++ >= NOTES) {
		line.more++;
		return;
	}
	if (line.len + 3 >= sizeof line.buf)
		return;
	if (line.notes > 1) {
		memcpy(line.buf + line.len, "; ", 2);
		line.len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(line.buf + line.len, sizeof line.buf - line.len, fmt, ap);
	va_end(ap);
	if (n > 0)
		line.len += (size_t)n < sizeof line.buf - line.len ? (size_t)n :
		    sizeof line.buf - line.len - 1;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Index of f among the friends, or -1. O(log n). */
static long
friend_index(long long f, size_t nf)
{
	size_t a = 0, b = nf;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (fr[m] < f)
			a = m + 1;
		else if (fr[m] > f)
			b = m;
		else
			return (long)m;
	}
	return -1;
}

/* Next space-terminated number of [*s, e): 0 and *s past the space, or -1. */
static int
field(const char **s, const char *e, long long *v)
{
	const char *sp = memchr(*s, ' ', (size_t)(e - *s)), *errstr;

	if (sp == NULL)
		return -1;
	*v = cs_strntonum(*s, (size_t)(sp - *s), 0, ID_MAX, &errstr);
	if (errstr != NULL)
		return -1;
	*s = sp + 1;
	return 0;
}

/* Parse a body "A-B-J" exactly: 0 when it is a-b-J, J stored in *j. */
static int
body_of(const char *s, size_t len, long long a, long long b, long long *j)
{
	char want[64];
	const char *errstr;
	int n = snprintf(want, sizeof want, "%lld-%lld-", a, b);

	if (n <= 0 || len <= (size_t)n || memcmp(s, want, (size_t)n) != 0)
		return -1;
	*j = cs_strntonum(s + n, len - (size_t)n, 1, ID_MAX, &errstr);
	if (errstr != NULL || s[n] == '0')
		return -1;
	return 0;
}

static void
show(const redisReply *r, char *out, size_t cap)
{
	size_t n = r->len < cap - 1 ? r->len : cap - 1, i;

	for (i = 0; i < n; i++)
		out[i] = r->str[i] >= 0x20 && r->str[i] < 0x7f && r->str[i] != '"' ? r->str[i] : '?';
	out[n] = '\0';
}

/* The inbox of u: entries "F SEQ K BODY". */
static void
check_inbox(long long u, const redisReply *in, size_t nf)
{
	size_t i, stride = (size_t)cfg.msgs + 1, fi;
	long long lost = 0;

	memset(cnt, 0, nf * stride * sizeof *cnt);
	memset(maxj, 0, nf * sizeof *maxj);
	for (i = 0; i < in->elements; i++) {
		const redisReply *r = in->element[i];
		const char *s, *e;
		long long f, seq, k, j;
		long x;
		char show_buf[48];

		if (r->type != REDIS_REPLY_STRING)
			goto corrupt;
		s = r->str;
		e = r->str + r->len;
		if (field(&s, e, &f) || field(&s, e, &seq) || field(&s, e, &k) || k < 1)
			goto corrupt;
		if ((x = friend_index(f, nf)) < 0) {
			sum.corrupt++;
			note("entry %zu from %lld, not a friend", i + 1, f);
			continue;
		}
		if (body_of(s, (size_t)(e - s), f, u, &j) || j > cfg.msgs || seq != j)
			goto corrupt;
		fi = (size_t)x;
		if (cnt[fi * stride + (size_t)j]++ > 0) {
			sum.duplicated++;
			note("duplicated %lld-%lld-%lld (entry %zu)", f, u, j, i + 1);
		} else if (j < maxj[fi]) {
			sum.disordered++;
			note("disordered %lld-%lld-%lld after %lld-%lld-%lld (entry %zu)",
			    f, u, j, f, u, maxj[fi], i + 1);
		}
		if (j > maxj[fi])
			maxj[fi] = j;
		continue;
corrupt:
		sum.corrupt++;
		if (r->type == REDIS_REPLY_STRING)
			show(r, show_buf, sizeof show_buf);
		else
			strcpy(show_buf, "(not a string)");
		note("entry %zu corrupt: \"%s\"", i + 1, show_buf);
	}
	for (fi = 0; fi < nf; fi++) {
		long long j, first = 0, n = 0;

		for (j = 1; j <= cfg.msgs; j++)
			if (cnt[fi * stride + (size_t)j] == 0) {
				if (n++ == 0)
					first = j;
			}
		if (n > 0) {
			lost += n;
			note("lost %lld from %lld (first %lld-%lld-%lld)", n, fr[fi], fr[fi], u, first);
		}
	}
	sum.lost += lost;
}

/* The outbox of u: entry k-1 is "F SEQ U-F-j", j counting 1.. per friend. */
static void
check_outbox(long long u, const redisReply *out, size_t nf)
{
	size_t i, bad = 0, first = 0;

	memset(maxj, 0, nf * sizeof *maxj);
	for (i = 0; i < out->elements; i++) {
		const redisReply *r = out->element[i];
		const char *s, *e;
		long long f, seq, j;
		long x;

		if (r->type != REDIS_REPLY_STRING)
			goto bad;
		s = r->str;
		e = r->str + r->len;
		if (field(&s, e, &f) || field(&s, e, &seq) || (x = friend_index(f, nf)) < 0 ||
		    body_of(s, (size_t)(e - s), u, f, &j) || seq != j || j != maxj[x] + 1 ||
		    j > cfg.msgs)
			goto bad;
		maxj[x] = j;
		continue;
bad:
		if (bad++ == 0)
			first = i + 1;
	}
	if (bad > 0) {
		sum.outbox_bad += (long long)bad;
		note("outbox: %zu bad entries (first: message %zu)", bad, first);
	}
}

static int
counter(const redisReply *r, long long *v)
{
	const char *errstr;

	if (r->type != REDIS_REPLY_STRING)
		return -1;
	*v = cs_strntonum(r->str, r->len, 0, ID_MAX, &errstr);
	return errstr ? -1 : 0;
}

/* Check user u from its NCMD replies. */
static void
check_user(long long u, redisReply **rep)
{
	static const char *names[] = { "SendId", "SendAckId", "ReceiveId" };
	const redisReply *h = rep[0], *fs = rep[1], *out = rep[2], *in = rep[3], *ex = rep[4];
	long long c[3], expected;
	size_t nf, i;
	int bad_counters = 0;

	line.len = 0;
	line.notes = line.more = 0;
	sum.users++;
	for (i = 0; i < NCMD; i++)
		if (rep[i]->type == REDIS_REPLY_ERROR) {
			note("redis: %s", rep[i]->str);
			goto done;
		}
	if (h->type != REDIS_REPLY_ARRAY || h->elements != 3 || h->element[0]->type == REDIS_REPLY_NIL) {
		note("no user record u:%lld", u);
		sum.incomplete++;
		goto done;
	}
	for (i = 0; i < 3; i++)
		if (counter(h->element[i], &c[i])) {
			note("%s is not a number", names[i]);
			bad_counters = 1;
			c[i] = 0;
		}
	nf = fs->elements;
	if (nf > fr_cap) {
		fr_cap = nf * 2;
		fr = ereallocarray(fr, fr_cap, sizeof *fr);
		maxj = ereallocarray(maxj, fr_cap, sizeof *maxj);
		cnt = ereallocarray(cnt, fr_cap * ((size_t)cfg.msgs + 1), sizeof *cnt);
	}
	for (i = 0; i < nf; i++)
		if (counter(fs->element[i], &fr[i]) || fr[i] == u) {
			note("bad friend id");
			fr[i] = 0;
		}
	qsort(fr, nf, sizeof *fr, cmp_ll);
	expected = (long long)nf * cfg.msgs;
	sum.relations += (long long)nf;
	sum.expected += expected;
	sum.sent += c[0];
	sum.acked += c[1];
	sum.received += (long long)in->elements;
	if (bad_counters || c[0] != expected || c[1] != expected || c[2] != expected ||
	    (long long)out->elements != c[0] || (long long)in->elements != c[2]) {
		sum.incomplete++;
		note("SendId %lld SendAckId %lld ReceiveId %lld outbox %zu inbox %zu, want %lld each",
		    c[0], c[1], c[2], out->elements, in->elements, expected);
	}
	if (ex->integer > 0) {
		sum.parked++;
		note("%lld parked keys left (ps/pd/pa)", ex->integer);
	}
	check_outbox(u, out, nf);
	check_inbox(u, in, nf);
done:
	if (line.notes > 0) {
		sum.failed++;
		if (line.more)
			printf("user %lld: %s; and %d more\n", u, line.buf, line.more);
		else
			printf("user %lld: %s\n", u, line.buf);
	}
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: checkdb -i inventory -k cell [-m msgs=%lld] [-R redis_addr=inventory] "
	    "[-r redis_port=%d] [-b batch=%lld]\n", defaults.msgs, defaults.redis_port,
	    defaults.batch);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct inventory inv;
	const struct host *self;
	struct timeval tv = { 5, 0 };
	double t0;
	redisContext *c;
	redisReply **rep;
	long long u, v, n;
	size_t i;
	int ch;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "b:hi:k:m:R:r:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'b': cfg.batch = cs_optnum(ch, optarg, 1, 100000); break;
		case 'i': cfg.inventory = optarg; break;
		case 'k': cfg.cell = cs_optnum(ch, optarg, 1, 100000); break;
		case 'm': cfg.msgs = cs_optnum(ch, optarg, 1, 1000000); break;
		case 'R': cfg.redis_addr = optarg; break;
		case 'r': cfg.redis_port = (int)cs_optnum(ch, optarg, 1, 65535); break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || cfg.inventory == NULL || cfg.cell == 0)
		usage(stderr, 2);
	self = inventory_self(cfg.inventory, cfg.cell, &inv);
	if (cfg.redis_addr == NULL)
		cfg.redis_addr = self->addr;

	t0 = cs_now();
	c = redisConnectWithTimeout(cfg.redis_addr, cfg.redis_port, tv);
	if (c == NULL || c->err)
		errx(1, "redis %s:%d: %s", cfg.redis_addr, cfg.redis_port,
		    c ? c->errstr : "out of memory");
	tv.tv_sec = 120;
	redisSetTimeout(c, tv);
	fr_cap = 64;
	rep = ecalloc((size_t)cfg.batch * NCMD, sizeof *rep);
	fr = ecalloc(fr_cap, sizeof *fr);
	maxj = ecalloc(fr_cap, sizeof *maxj);
	cnt = ecalloc(fr_cap * ((size_t)cfg.msgs + 1), sizeof *cnt);
	for (u = self->lo; u <= self->hi; u += n) {
		n = self->hi - u + 1 < cfg.batch ? self->hi - u + 1 : cfg.batch;
		for (v = u; v < u + n; v++) {
			redisAppendCommand(c, "HMGET " KEY_USER " %s %s %s", v, FIELD_SEND_ID,
			    FIELD_SEND_ACK_ID, FIELD_RECEIVE_ID);
			redisAppendCommand(c, "SMEMBERS " KEY_FRIENDS, v);
			redisAppendCommand(c, "LRANGE " KEY_OUTBOX " 0 -1", v);
			redisAppendCommand(c, "LRANGE " KEY_INBOX " 0 -1", v);
			redisAppendCommand(c, "EXISTS " KEY_PARK_SEND " " KEY_PARK_DLV " " KEY_PARK_ACK,
			    v, v, v);
		}
		for (i = 0; i < (size_t)n * NCMD; i++) {
			void *r;
			if (redisGetReply(c, &r) != REDIS_OK)
				errx(1, "redis %s:%d: %s", cfg.redis_addr, cfg.redis_port, c->errstr);
			rep[i] = r;
		}
		for (v = 0; v < n; v++)
			check_user(u + v, rep + v * NCMD);
		for (i = 0; i < (size_t)n * NCMD; i++)
			freeReplyObject(rep[i]);
	}
	redisFree(c);
	printf("users=%lld relations=%lld expected=%lld sent=%lld acked=%lld received=%lld "
	    "lost=%lld duplicated=%lld disordered=%lld corrupt=%lld incomplete=%lld "
	    "outbox_bad=%lld parked=%lld failed=%lld seconds=%.3f\n",
	    sum.users, sum.relations, sum.expected, sum.sent, sum.acked, sum.received,
	    sum.lost, sum.duplicated, sum.disordered, sum.corrupt, sum.incomplete,
	    sum.outbox_bad, sum.parked, sum.failed,
	    cs_now() - t0);
	fshut(stdout, "<stdout>");
	free(rep);
	free(fr);
	free(cnt);
	free(maxj);
	inventory_free(&inv);
	return sum.failed == 0 ? 0 : 1;
}
