/* redis-bulkload: load relation lines "uid<TAB>fid" from stdin into a cell's
 * Redis with the key layout of keys.h: per user a hash u:U of the four
 * counters (0) and a set f:U of all its friends, pipelined. It reads and
 * validates the whole input before it writes anything (a bad line writes
 * nothing), checks every reply, then reads back SCARD f:U of every user it
 * loaded and EXISTS of every u:U (1000 keys per command), and only then
 * prints "users=N relations=R seconds=T".
 *
 * Two pipelines (-m): "resp" formats RESP by hand into one buffer and keeps
 * a non-blocking socket busy in both directions (replies parsed by hiredis'
 * redisReader); "hiredis" appends batches with redisAppendCommandArgv and
 * collects them with redisGetReply. resp is the default (faster: docs/performance.md).
 *
 * Write commands (-w): into an empty database, "restore" (the default) sends
 * per user RESTORE u:U with the DUMP payload of a counter hash that Redis
 * itself made at the start (HSET of a template key, DUMP, DEL), and RESTORE
 * f:U with an intset payload built here (RDB type 11, the RDB version taken
 * from that DUMP, CRC-64/Jones as Redis checks it): Redis then stores each
 * key in one piece instead of creating and adding every member, about half
 * its work of HSET + SADD. "sadd" sends HSET + SADD. Redis checks every
 * payload's checksum and format, and the read back checks the result.
 *
 * Users already present: when the database already holds keys (a re-run, or
 * a cell in use), the counters are set with HSETNX, so existing counters are
 * never reset, and the friend sets get the missing members with SADD; loading
 * the same cell twice gives the same state. Before it writes anything it
 * checks every user of the input: a u:U that is not a hash, or a friend set
 * holding a member the input does not have, means the database holds another
 * graph: exit 1 with nothing written (use -f to flush it first). */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cells.h"
#include "clock.h"
#include "ealloc.h"
#include "fshut.h"
#include "keys.h"
#include "lines.h"
#include "num.h"
#include "opt.h"
#include "relation.h"

#define STALL_SECONDS 30        /* give up when Redis makes no progress this long */
#define OUT_HIGH      (256 << 10) /* resp: write once this much is queued */
#define INFLIGHT_MAX  (1 << 17) /* resp: most commands awaiting a reply */
#define BATCH_USERS   1000      /* hiredis: users per appended batch; keys per EXISTS */

enum { MODE_RESP, MODE_HIREDIS };
enum { WRITE_RESTORE, WRITE_SADD };
static const char *const modes[] = { "resp", "hiredis", NULL };        /* -m, by MODE_ */
static const char *const writes[] = { "restore", "sadd", NULL };       /* -w, by WRITE_ */
enum kind { K_HSET, K_HSETNX, K_SADD, K_SCARD, K_EXISTS, K_RESTORE, K_TYPE, K_PRECARD, K_MISMEMBER };
enum { PHASE_WRITE, PHASE_READ, PHASE_CHECK };

static struct config {
	const char *host;       /* -h */
	int         port;       /* -p */
	int         flush;      /* -f: FLUSHDB before loading */
	int         mode;       /* -m */
	int         write;      /* -w */
	int         verbose;    /* -v: phase times on stderr */
} cfg;

/* What cfg starts as, and what usage() shows. */
static const struct config defaults = { "127.0.0.1", PORT_REDIS, 0, MODE_RESP, WRITE_RESTORE, 0 };

static const char *fields[NFIELDS] = {
	FIELD_SEND_ID, FIELD_SEND_ACK_ID, FIELD_RECEIVE_ID, FIELD_CLIENT_RECEIVE_ID,
	FIELD_PARKED
};

/* The input, sorted by (uid, fid): user i is uid[i] with the relations
 * rel[first[i] .. first[i+1]) (the low 32 bits are the friend). */
static struct data {
	uint64_t *rel;          /* uid << 32 | fid, one per line */
	size_t    nrel;
	uint32_t *uid;
	size_t   *first;
	size_t    nusers;
} d;

static int fresh;               /* the database was empty: RESTORE or HSET */

/* RESTORE payloads (fresh database, -w restore). */
static struct restore {
	char    *hash;          /* DUMP of a counter hash, made by Redis */
	size_t   hlen;
	uint8_t  rdbver[2];     /* RDB version of that DUMP, little endian */
	uint64_t crc[256];      /* CRC-64/Jones table */
	uint8_t *set;           /* intset payload of the current user */
	size_t   scap;
} rs;

/* One expected reply. */
struct pend {
	uint32_t user;
	uint8_t  kind;
};

static struct conn {
	redisContext *c;
	redisReader  *rd;               /* resp mode */
	char         *out;              /* resp mode: RESP not yet written */
	size_t        olen, opos, ocap;
	struct pend  *q;                /* ring of expected replies */
	size_t        qhead, qn, qcap;
} cn;

static void __attribute__((noreturn))
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: redis-bulkload [-f] [-h addr=%s] [-p port=%d] [-m %s|%s=%s] "
	    "[-w %s|%s=%s] [-v] < relations\n", defaults.host, defaults.port,
	    modes[0], modes[1], modes[defaults.mode], writes[0], writes[1],
	    writes[defaults.write]);
	exit(status);
}

/* The index of arg among words (NULL-terminated), the choices of option ch;
 * anything else is a usage error. */
static int
choice(int ch, const char *arg, const char *const *words)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(arg, words[i]) == 0)
			return i;
	warnx("-%c: must be %s or %s: \"%s\"", ch, words[0], words[1], arg);
	usage(stderr, 2);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Report the first duplicate relation of unsorted input with its lines. */
static void
die_duplicate(const uint64_t *orig, size_t n, uint64_t key)
{
	size_t i, first = 0;
	int seen = 0;

	for (i = 0; i < n; i++)
		if (orig[i] == key) {
			if (seen)
				errx(1, "<stdin>:%zu: duplicate relation %llu\t%llu (also line %zu)",
				    i + 1, (unsigned long long)(key >> 32),
				    (unsigned long long)(key & 0xffffffff), first + 1);
			first = i;
			seen = 1;
		}
	errx(1, "<stdin>: duplicate relation");
}

/* Read and validate all of stdin; sort by (uid, fid); group by user. */
static void
read_input(void)
{
	struct lines l;
	char *line;
	ssize_t len;
	size_t cap = 1 << 16, i;
	uint64_t key, prev = 0, *orig;
	long long u, f;
	int sorted = 1;

	d.rel = ereallocarray(NULL, cap, sizeof *d.rel);
	lines_init_block(&l, stdin, "<stdin>", RELATION_LINE_MAX);
	while ((len = lines_next(&l, &line)) >= 0) {
		relation_parse(&l, line, (size_t)len, CELLS_MAX_USERS, &u, &f);
		key = (uint64_t)u << 32 | (uint64_t)f;
		if (d.nrel > 0 && key == prev)
			lines_die(&l, "duplicate relation %lld\t%lld (also line %lu)", u, f, l.lineno - 1);
		if (d.nrel > 0 && key < prev)
			sorted = 0;
		if (d.nrel == cap)
			d.rel = ereallocarray(d.rel, cap *= 2, sizeof *d.rel);
		d.rel[d.nrel++] = prev = key;
	}
	lines_free(&l);
	if (d.nrel == 0)
		errx(1, "<stdin>: no relation lines (empty input)");
	if (!sorted) {
		orig = ereallocarray(NULL, d.nrel, sizeof *orig);
		memcpy(orig, d.rel, d.nrel * sizeof *orig);
		qsort(d.rel, d.nrel, sizeof *d.rel, cmp_u64);
		for (i = 1; i < d.nrel; i++)
			if (d.rel[i] == d.rel[i - 1])
				die_duplicate(orig, d.nrel, d.rel[i]);
		free(orig);
	}
	for (i = 0; i < d.nrel; i++)
		if (i == 0 || d.rel[i] >> 32 != d.rel[i - 1] >> 32)
			d.nusers++;
	d.uid = ereallocarray(NULL, d.nusers, sizeof *d.uid);
	d.first = ereallocarray(NULL, d.nusers + 1, sizeof *d.first);
	for (i = 0, d.nusers = 0; i < d.nrel; i++)
		if (i == 0 || d.rel[i] >> 32 != d.rel[i - 1] >> 32) {
			d.uid[d.nusers] = (uint32_t)(d.rel[i] >> 32);
			d.first[d.nusers++] = i;
		}
	d.first[d.nusers] = d.nrel;
}

static void
lost(const char *what)
{
	errx(1, "%s:%d: %s: %s", cfg.host, cfg.port, what,
	    cn.c->err ? cn.c->errstr : "connection closed");
}

static const char *
kind_name(int kind)
{
	static const char *names[] = { "HSET", "HSETNX", "SADD", "SCARD", "EXISTS", "RESTORE",
	    "TYPE", "SCARD", "SMISMEMBER" };

	return names[kind];
}

/* Check one reply against what we expected of it. Exits 1 on an error reply
 * or a reply that says Redis does not hold what we sent. */
static void
check_reply(const redisReply *r, struct pend p)
{
	static long long card;  /* K_PRECARD of the user whose K_MISMEMBER follows */
	size_t i, want = d.first[p.user + 1] - d.first[p.user];
	unsigned long long u = d.uid[p.user];
	const char *why = NULL;
	long long in;

	if (r->type == REDIS_REPLY_ERROR)
		errx(1, "%s:%d: %s for user %llu failed: %s", cfg.host, cfg.port,
		    kind_name(p.kind), u, r->str);
	switch (p.kind) {
	case K_HSET:
		if (r->type != REDIS_REPLY_INTEGER || r->integer != NFIELDS)
			why = "did not create every counter of a new user";
		break;
	case K_HSETNX:
		if (r->type != REDIS_REPLY_INTEGER)
			why = "not an integer reply";
		break;
	case K_SADD:
		if (r->type != REDIS_REPLY_INTEGER ||
		    (fresh && (size_t)r->integer != want))
			why = "did not add every friend to a new friend set";
		break;
	case K_SCARD:
		if (r->type != REDIS_REPLY_INTEGER)
			why = "not an integer reply";
		else if ((size_t)r->integer != want)
			errx(1, "%s:%d: " KEY_FRIENDS " holds %lld friends, the input has %zu: "
			    "the database holds other data (flush it, or load with -f)",
			    cfg.host, cfg.port, (long long)u, r->integer, want);
		break;
	case K_RESTORE:
		if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, "OK") != 0)
			why = "not OK";
		break;
	case K_EXISTS:
		/* EXISTS of the records of users p.user .. p.user+BATCH_USERS-1 */
		i = d.nusers - p.user < BATCH_USERS ? d.nusers - p.user : BATCH_USERS;
		if (r->type != REDIS_REPLY_INTEGER)
			why = "not an integer reply";
		else if ((size_t)r->integer != i)
			errx(1, "%s:%d: only %lld of the %zu user records from " KEY_USER
			    " on exist after loading", cfg.host, cfg.port, r->integer, i, (long long)u);
		break;
	case K_TYPE:
		if (r->type != REDIS_REPLY_STATUS)
			why = "not a status reply";
		else if (strcmp(r->str, "hash") != 0 && strcmp(r->str, "none") != 0)
			errx(1, "%s:%d: " KEY_USER " is a %s, not a hash: the database holds "
			    "other data (flush it, or load with -f); nothing written",
			    cfg.host, cfg.port, (long long)u, r->str);
		break;
	case K_PRECARD:
		if (r->type != REDIS_REPLY_INTEGER)
			why = "not an integer reply";
		card = r->integer;
		break;
	case K_MISMEMBER:
		if (r->type != REDIS_REPLY_ARRAY || r->elements != want) {
			why = "not an array of one answer per friend";
			break;
		}
		for (i = 0, in = 0; i < r->elements; i++)
			in += r->element[i]->type == REDIS_REPLY_INTEGER && r->element[i]->integer == 1;
		if (in != card)
			errx(1, "%s:%d: " KEY_FRIENDS " holds %lld friends, %lld of them not in "
			    "the input: the database holds other data (flush it, or load with -f); "
			    "nothing written", cfg.host, cfg.port, (long long)u, card, card - in);
		break;
	}
	if (why != NULL)
		errx(1, "%s:%d: %s for user %llu: %s", cfg.host, cfg.port,
		    kind_name(p.kind), u, why);
}

/* The ring never holds more than INFLIGHT_MAX + one user's commands (resp)
 * or BATCH_USERS users' commands (hiredis). */
static void
q_push(uint32_t user, int kind)
{
	if (cn.q == NULL) {
		cn.qcap = 2 * INFLIGHT_MAX;
		cn.q = ereallocarray(NULL, cn.qcap, sizeof *cn.q);
	}
	if (cn.qn == cn.qcap)
		errx(1, "internal error: reply queue full");
	cn.q[(cn.qhead + cn.qn) % cn.qcap] = (struct pend){ user, (uint8_t)kind };
	cn.qn++;
}

static struct pend
q_pop(void)
{
	struct pend p = cn.q[cn.qhead];

	cn.qhead = (cn.qhead + 1) % cn.qcap;
	cn.qn--;
	return p;
}

/* --- resp mode: hand-formatted RESP, one non-blocking socket ------------- */

static void
out_need(size_t n)
{
	if (cn.opos > 0 && cn.opos == cn.olen)
		cn.opos = cn.olen = 0;
	if (cn.olen + n > cn.ocap) {
		if (cn.opos > 0) {
			memmove(cn.out, cn.out + cn.opos, cn.olen - cn.opos);
			cn.olen -= cn.opos;
			cn.opos = 0;
		}
		if (cn.olen + n > cn.ocap) {
			while (cn.olen + n > cn.ocap)
				cn.ocap = cn.ocap ? cn.ocap * 2 : 1 << 20;
			cn.out = erealloc(cn.out, cn.ocap);
		}
	}
}

/* Append one command in RESP: *argc then $len arg for each argument. */
static void
resp_argv(int argc, const char **argv, const size_t *len)
{
	size_t need = 16;
	char *p;
	int i;

	for (i = 0; i < argc; i++)
		need += len[i] + 24;
	out_need(need);
	p = cn.out + cn.olen;
	*p++ = '*';
	p = cs_utoa(p, (uint64_t)argc);
	*p++ = '\r';
	*p++ = '\n';
	for (i = 0; i < argc; i++) {
		*p++ = '$';
		p = cs_utoa(p, len[i]);
		*p++ = '\r';
		*p++ = '\n';
		memcpy(p, argv[i], len[i]);
		p += len[i];
		*p++ = '\r';
		*p++ = '\n';
	}
	cn.olen = (size_t)(p - cn.out);
}

/* Move bytes both ways until at most `keep` bytes wait to be written and at
 * most `inflight` replies are outstanding. Exits 1 when Redis is gone or
 * makes no progress for STALL_SECONDS. */
static void
resp_pump(size_t keep, size_t inflight)
{
	struct pollfd pfd;
	char buf[1 << 16];
	ssize_t n;
	void *r;
	double last = cs_now();
	int rc;

	while (cn.olen - cn.opos > keep || cn.qn > inflight) {
		pfd.fd = cn.c->fd;
		pfd.events = POLLIN | (cn.olen > cn.opos ? POLLOUT : 0);
		rc = poll(&pfd, 1, 1000);
		if (rc < 0 && errno != EINTR)
			err(1, "poll");
		if (rc <= 0) {
			if (cs_now() - last > STALL_SECONDS)
				errx(1, "%s:%d: no progress for %d s, giving up",
				    cfg.host, cfg.port, STALL_SECONDS);
			continue;
		}
		last = cs_now();
		if (pfd.revents & POLLOUT) {
			n = write(cn.c->fd, cn.out + cn.opos, cn.olen - cn.opos);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				err(1, "%s:%d: write", cfg.host, cfg.port);
			if (n > 0)
				cn.opos += (size_t)n;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(cn.c->fd, buf, sizeof buf);
			if (n == 0)
				errx(1, "%s:%d: Redis closed the connection", cfg.host, cfg.port);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				err(1, "%s:%d: read", cfg.host, cfg.port);
			if (n > 0 && redisReaderFeed(cn.rd, buf, (size_t)n) != REDIS_OK)
				errx(1, "%s:%d: bad reply stream", cfg.host, cfg.port);
			for (;;) {
				if (redisReaderGetReply(cn.rd, &r) != REDIS_OK)
					errx(1, "%s:%d: bad reply: %s", cfg.host, cfg.port, cn.rd->errstr);
				if (r == NULL)
					break;
				if (cn.qn == 0)
					errx(1, "%s:%d: unexpected reply", cfg.host, cfg.port);
				check_reply(r, q_pop());
				freeReplyObject(r);
			}
		}
	}
}

/* --- both modes ----------------------------------------------------------- */

/* Queue one command whose reply is checked as `kind` of user `user`. */
static void
command(int argc, const char **argv, const size_t *len, uint32_t user, int kind)
{
	if (cfg.mode == MODE_RESP) {
		resp_argv(argc, argv, len);
		q_push(user, kind);
		if (cn.olen - cn.opos >= OUT_HIGH || cn.qn >= INFLIGHT_MAX)
			resp_pump(OUT_HIGH / 4, INFLIGHT_MAX / 2);
	} else {
		if (redisAppendCommandArgv(cn.c, argc, argv, len) != REDIS_OK)
			lost("append");
		q_push(user, kind);
	}
}

/* Wait for every reply of the queued commands. */
static void
drain(void)
{
	void *r;

	if (cfg.mode == MODE_RESP) {
		resp_pump(0, 0);
		return;
	}
	while (cn.qn > 0) {
		if (redisGetReply(cn.c, &r) != REDIS_OK || r == NULL)
			lost("reading replies");
		check_reply(r, q_pop());
		freeReplyObject(r);
	}
}

/* CRC-64/Jones (reflected polynomial 0x95ac9329ac4bc9b5, init 0), the
 * checksum Redis puts at the end of DUMP payloads and checks in RESTORE
 * (Redis crc64.c; check value crc64("123456789") = 0xe9c6d914c4b8d9ca). */
static void
crc64_init(void)
{
	uint64_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint64_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x95ac9329ac4bc9b5ULL : c >> 1;
		rs.crc[i] = c;
	}
}

static uint64_t
crc64(uint64_t crc, const uint8_t *p, size_t n)
{
	while (n-- > 0)
		crc = rs.crc[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

static uint8_t *
put_le(uint8_t *p, uint64_t v, int bytes)
{
	while (bytes-- > 0) {
		*p++ = (uint8_t)v;
		v >>= 8;
	}
	return p;
}

/* The RESTORE payload of a set of the friends in rel[0..n) (sorted, unique,
 * below 2^31) into rs.set: RDB type 11 (intset), the intset as an RDB string
 * (32-bit length form: 0x80 + big-endian length), the RDB version, the
 * CRC-64 of all that. Returns its length. O(n). */
static size_t
intset_payload(const uint64_t *rel, size_t n)
{
	uint32_t max = (uint32_t)(rel[n - 1] & 0xffffffff);
	int w = max < 32768 ? 2 : 4;            /* INTSET_ENC_INT16 or INT32 */
	size_t blob = 8 + n * (size_t)w, j;
	uint8_t *p;

	if (rs.scap < blob + 32) {
		rs.scap = blob + 32;
		rs.set = erealloc(rs.set, rs.scap);
	}
	p = rs.set;
	*p++ = 11;
	*p++ = 0x80;
	*p++ = (uint8_t)(blob >> 24);
	*p++ = (uint8_t)(blob >> 16);
	*p++ = (uint8_t)(blob >> 8);
	*p++ = (uint8_t)blob;
	p = put_le(p, (uint64_t)w, 4);
	p = put_le(p, n, 4);
	for (j = 0; j < n; j++)
		p = put_le(p, rel[j] & 0xffffffff, w);
	*p++ = rs.rdbver[0];
	*p++ = rs.rdbver[1];
	p = put_le(p, crc64(0, rs.set, (size_t)(p - rs.set)), 8);
	return (size_t)(p - rs.set);
}

/* argv[2..] = the friends of user i, formatted into num (12 bytes each). */
static void
members(uint32_t i, const char **argv, size_t *len, char *num)
{
	size_t n = d.first[i + 1] - d.first[i], j;
	char *p;

	for (j = 0; j < n; j++) {
		p = num + 12 * j;
		argv[2 + j] = p;
		len[2 + j] = (size_t)(cs_utoa(p, d.rel[d.first[i] + j] & 0xffffffff) - p);
	}
}

/* HSET KEY with every counter at 0, in argv/len (room for HSET_ARGC):
 * what a new user's record is, for the writes and for the template. */
#define HSET_ARGC (2 + 2 * NFIELDS)
static int
hset_counters(const char **argv, size_t *len, const char *key, size_t klen)
{
	int k;

	argv[0] = "HSET", len[0] = 4;
	argv[1] = key, len[1] = klen;
	for (k = 0; k < NFIELDS; k++) {
		argv[2 + 2 * k] = fields[k], len[2 + 2 * k] = strlen(fields[k]);
		argv[3 + 2 * k] = "0", len[3 + 2 * k] = 1;
	}
	return HSET_ARGC;
}

/* Commands that write user i (PHASE_WRITE), read it back (PHASE_READ) or,
 * in a database that is not empty, check before any write that what it holds
 * of user i is part of the input (PHASE_CHECK: TYPE u:U, SCARD f:U and
 * SMISMEMBER f:U of the input's friends; every member of f:U must be one). */
static void
user_commands(uint32_t i, int phase)
{
	static const char **argv;
	static size_t *len, cap;
	static char *num;
	size_t n = d.first[i + 1] - d.first[i], k;
	char ukey[32], fkey[32];
	size_t ulen, flen;

	if (n + HSET_ARGC > cap) {      /* SADD f:U with n friends, or the HSET */
		cap = n + HSET_ARGC + 4;
		argv = ereallocarray(argv, cap, sizeof *argv);
		len = ereallocarray(len, cap, sizeof *len);
		num = ereallocarray(num, cap, 12);
	}
	ulen = (size_t)snprintf(ukey, sizeof ukey, KEY_USER, (long long)d.uid[i]);
	flen = (size_t)snprintf(fkey, sizeof fkey, KEY_FRIENDS, (long long)d.uid[i]);
	if (phase == PHASE_READ) {
		argv[0] = "SCARD", len[0] = 5;
		argv[1] = fkey, len[1] = flen;
		command(2, argv, len, i, K_SCARD);
		return;
	}
	if (phase == PHASE_CHECK) {
		argv[0] = "TYPE", len[0] = 4;
		argv[1] = ukey, len[1] = ulen;
		command(2, argv, len, i, K_TYPE);
		argv[0] = "SCARD", len[0] = 5;
		argv[1] = fkey, len[1] = flen;
		command(2, argv, len, i, K_PRECARD);
		argv[0] = "SMISMEMBER", len[0] = 10;
		members(i, argv, len, num);
		command((int)n + 2, argv, len, i, K_MISMEMBER);
		return;
	}
	if (fresh && cfg.write == WRITE_RESTORE) {
		argv[0] = "RESTORE", len[0] = 7;
		argv[1] = ukey, len[1] = ulen;
		argv[2] = "0", len[2] = 1;
		argv[3] = rs.hash, len[3] = rs.hlen;
		command(4, argv, len, i, K_RESTORE);
		argv[1] = fkey, len[1] = flen;
		len[3] = intset_payload(d.rel + d.first[i], n);
		argv[3] = (const char *)rs.set;         /* after: it may move */
		command(4, argv, len, i, K_RESTORE);
		return;
	}
	if (fresh) {
		command(hset_counters(argv, len, ukey, ulen), argv, len, i, K_HSET);
	} else
		for (k = 0; k < NFIELDS; k++) {
			argv[0] = "HSETNX", len[0] = 6;
			argv[1] = ukey, len[1] = ulen;
			argv[2] = fields[k], len[2] = strlen(fields[k]);
			argv[3] = "0", len[3] = 1;
			command(4, argv, len, i, K_HSETNX);
		}
	argv[0] = "SADD", len[0] = 4;
	argv[1] = fkey, len[1] = flen;
	members(i, argv, len, num);
	command((int)n + 2, argv, len, i, K_SADD);
}

/* One EXISTS over the records of users first .. first+BATCH_USERS-1. */
static void
exists_batch(uint32_t first)
{
	static char keys[BATCH_USERS][32];
	const char *argv[BATCH_USERS + 1];
	size_t len[BATCH_USERS + 1];
	int n;

	argv[0] = "EXISTS", len[0] = 6;
	for (n = 0; n < BATCH_USERS && first + (size_t)n < d.nusers; n++) {
		len[n + 1] = (size_t)snprintf(keys[n], sizeof keys[n], KEY_USER,
		    (long long)d.uid[first + n]);
		argv[n + 1] = keys[n];
	}
	command(n + 1, argv, len, first, K_EXISTS);
}

/* PHASE_WRITE queues the writes of every user, PHASE_READ the reads of
 * SCARD f:U of every user and EXISTS u:U in batches. The reads follow the
 * writes in the same pipeline without waiting for their replies: Redis runs
 * commands in order, so they see every write, and the pipeline never stalls
 * between the phases. PHASE_CHECK (database not empty) runs and is drained
 * before the writes. hiredis mode waits for the replies of each batch of
 * users. */
static void
load(int phase)
{
	uint32_t i;

	for (i = 0; i < d.nusers; i++) {
		user_commands(i, phase);
		if (phase == PHASE_READ && i % BATCH_USERS == 0)
			exists_batch(i);
		if (cfg.mode == MODE_HIREDIS && (i + 1) % BATCH_USERS == 0)
			drain();
	}
}

/* One command outside the pipeline (FLUSHDB, DBSIZE). */
static long long
simple(const char *cmd, int type)
{
	redisReply *r = redisCommand(cn.c, "%s", cmd);
	long long v;

	if (r == NULL)
		lost(cmd);
	if (r->type != type)
		errx(1, "%s:%d: %s failed: %s", cfg.host, cfg.port, cmd,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	v = r->integer;
	freeReplyObject(r);
	return v;
}

/* Let Redis make the counter hash once and DUMP it: the payload every
 * RESTORE u:U sends, and the RDB version for the intset payloads. */
static void
make_template(void)
{
	char key[64];
	const char *argv[HSET_ARGC];
	size_t len[HSET_ARGC];
	redisReply *r;

	snprintf(key, sizeof key, "redis-bulkload:template:%ld", (long)getpid());
	r = redisCommandArgv(cn.c, hset_counters(argv, len, key, strlen(key)), argv, len);
	if (r == NULL)
		lost("HSET");
	if (r->type != REDIS_REPLY_INTEGER || r->integer != NFIELDS)
		errx(1, "%s:%d: HSET of the template hash failed%s%s", cfg.host, cfg.port,
		    r->type == REDIS_REPLY_ERROR ? ": " : "", r->type == REDIS_REPLY_ERROR ? r->str : "");
	freeReplyObject(r);
	if ((r = redisCommand(cn.c, "DUMP %s", key)) == NULL)
		lost("DUMP");
	if (r->type != REDIS_REPLY_STRING || r->len < 11)
		errx(1, "%s:%d: DUMP of the template hash failed", cfg.host, cfg.port);
	rs.hlen = r->len;
	rs.hash = emalloc(r->len);
	memcpy(rs.hash, r->str, r->len);
	rs.rdbver[0] = (uint8_t)r->str[r->len - 10];
	rs.rdbver[1] = (uint8_t)r->str[r->len - 9];
	freeReplyObject(r);
	if ((r = redisCommand(cn.c, "DEL %s", key)) == NULL)
		lost("DEL");
	freeReplyObject(r);
	crc64_init();
}

static void
connect_redis(void)
{
	struct timeval tv = { 5, 0 }, io = { STALL_SECONDS, 0 };

	cn.c = redisConnectWithTimeout(cfg.host, cfg.port, tv);
	if (cn.c == NULL)
		errx(1, "cannot connect to Redis at %s:%d: out of memory", cfg.host, cfg.port);
	if (cn.c->err)
		errx(1, "cannot connect to Redis at %s:%d: %s", cfg.host, cfg.port, cn.c->errstr);
	if (redisSetTimeout(cn.c, io) != REDIS_OK)
		lost("setting the timeout");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	double t0 = cs_now(), t1, t2;
	int ch, flags;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "fh:p:m:w:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			cfg.flush = 1;
			break;
		case 'h':
			cfg.host = optarg;
			break;
		case 'p':
			cfg.port = (int)cs_optnum(ch, optarg, 1, 65535);
			break;
		case 'm':
			cfg.mode = choice(ch, optarg, modes);
			break;
		case 'w':
			cfg.write = choice(ch, optarg, writes);
			break;
		case 'v':
			cfg.verbose = 1;
			break;
		case 'H':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0)
		usage(stderr, 2);
	signal(SIGPIPE, SIG_IGN);

	read_input();
	connect_redis();
	if (cfg.flush)
		simple("FLUSHDB", REDIS_REPLY_STATUS);
	fresh = simple("DBSIZE", REDIS_REPLY_INTEGER) == 0;
	if (fresh && cfg.write == WRITE_RESTORE)
		make_template();
	if (cfg.mode == MODE_RESP) {
		if ((cn.rd = redisReaderCreate()) == NULL)
			err(1, "redisReaderCreate");
		flags = fcntl(cn.c->fd, F_GETFL);
		if (flags < 0 || fcntl(cn.c->fd, F_SETFL, flags | O_NONBLOCK) < 0)
			err(1, "fcntl");
	}
	t1 = cs_now();
	if (!fresh) {
		load(PHASE_CHECK);
		drain();
	}
	load(PHASE_WRITE);
	t2 = cs_now();
	load(PHASE_READ);
	drain();
	if (cfg.verbose)
		fprintf(stderr, "redis-bulkload: %s read=%.3f write=%.3f verify=%.3f (%s)\n",
		    modes[cfg.mode], t1 - t0, t2 - t1, cs_now() - t2,
		    !fresh ? "database not empty: HSETNX + SADD" :
		    cfg.write == WRITE_RESTORE ? "empty database: RESTORE" : "empty database: HSET + SADD");
	printf("users=%zu relations=%zu seconds=%.3f\n", d.nusers, d.nrel, cs_now() - t0);
	fshut(stdout, "<stdout>");
	return 0;
}
