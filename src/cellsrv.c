/* cellsrv: the chat backend of one cell. One thread, one libevent loop: an
 * HTTP/1.1 API for the cell's users (evhttp), one hiredis async connection to
 * the cell's redis-server, where every protocol step is one FCALL of the
 * function library src/cellsrv.lua, and line-protocol links to the other
 * cells. cellsrv keeps nothing a restart would lose: all state is in Redis,
 * and what was in flight is recovered by the clients' re-sends.
 *
 * Peer lines (one TCP connection to every other cell, written only by the
 * connecting side; bodies percent-encoded):
 *   D FROM TO SEQ K BODY   deliver, applied at the cell of TO
 *   A FROM TO K            acknowledge, applied at the cell of FROM */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "cellsrv-lua.h"
#include "clock.h"
#include "inventory.h"
#include "keys.h"
#include "num.h"
#include "pct.h"

/* Largest K or SEQ accepted: the Redis functions print numbers as Lua does
 * (%.14g), exact for integers below 10^14 only (10^14 would come out as
 * "1e+14" in an inbox entry or ACK line). */
#define ID_MAX      99999999999999LL
#define INBOX_MAX   100000             /* largest inbox limit */
#define PEER_BATCH  256                /* peer lines per FCALL */
#define PEER_LINE   (64 + 3 * MSG_BODY_MAX) /* longest peer line */
#define LAT_SLOTS   (1 << 16)          /* send timestamps kept for latency */
#define SEND_BATCH  64                 /* SENDs per FCALL cs_sendv */

static struct config {
	const char *inventory;
	long long   cell;
	const char *addr;        /* listen address (default: inventory) */
	const char *redis_addr;  /* default: the listen address */
	int         http_port;
	int         peer_port;   /* the same on every cell */
	int         redis_port;
	long long   max_inflight; /* Redis calls in flight before 503 */
	long long   peer_buf;    /* bytes queued to one peer before 503 */
	long long   window;      /* SEND ids above SendAckId; DLVs parked past si */
	int         verbose;     /* 0 quiet, 1 info, 2 debug */
} cfg = {
	.http_port = PORT_HTTP,
	.peer_port = PORT_PEER,
	.redis_port = PORT_REDIS,
	.max_inflight = 4096,
	.peer_buf = 8 << 20,
	.window = 65536,
	.verbose = 1,
};

/* An outgoing link to another cell. */
struct peer {
	const struct host  *h;
	struct bufferevent *bev;      /* NULL while waiting to reconnect */
	struct event       *retry;
	int                 up;
	int                 backoff;  /* ms before the next attempt */
	unsigned long long  connects, drops, lines;
};

/* An incoming link from another cell: read only. */
struct pin {
	struct bufferevent *bev;
	struct pin         *prev, *next;
	int                 paused;   /* reading stopped: Redis saturated */
};

enum { RQ_SEND, RQ_USER, RQ_INBOX, RQ_PEER };

/* One Redis call in flight; for HTTP ones req is the request, NULL once the
 * client went away. */
struct rq {
	int                    kind;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	long long              u, k;
	struct rq             *next;  /* free list */
	char                   num[3][24]; /* SEND: U F K as text */
	size_t                 blen;
	char                   body[MSG_BODY_MAX];
};

/* The SENDs of one cs_sendv call. */
struct batch {
	int        n;
	struct rq *q[SEND_BATCH];
};

static struct {
	unsigned long long sends[4];  /* done, retx, park, acc: by status */
	unsigned long long accepted, delivered, dup_dlv, acked;
	unsigned long long http[600];
	unsigned long long redis_calls, redis_errors, peer_bad, peer_in;
	unsigned long long peer_far;  /* DLVs dropped by cs_peer: too far ahead */
	unsigned long long lat_buckets[16], lat_count;
	double             lat_sum;
} st;

static const double lat_bounds[] = { .0005, .001, .002, .005, .01, .02, .05,
	.1, .2, .5, 1, 2, 5, 10, 30 };
#define NBOUNDS (sizeof lat_bounds / sizeof lat_bounds[0])

static struct {
	long long u, k;
	double    t;
} lat[LAT_SLOTS];

static struct inventory   inv;
static const struct host *self;
static struct event_base *base;
static struct evhttp     *http;
static struct evconnlistener *listener;
static redisAsyncContext *rc;
static struct event      *redis_retry;
static int                redis_ready;  /* connected, functions loaded */
static long long          inflight;
static struct peer       *peers;        /* peers[cell-1]; self unused */
static struct pin        *pins;
static struct rq         *rq_free;

static void pins_resume(void);

static void
logmsg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > cfg.verbose)
		return;
	va_start(ap, fmt);
	fputs("cellsrv: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Latency table: O(1), direct mapped; a collision loses one sample. */
static unsigned
lat_slot(long long u, long long k)
{
	uint64_t h = (uint64_t)u * 0x9E3779B97F4A7C15ULL ^ (uint64_t)k * 0xC2B2AE3D27D4EB4FULL;
	return (unsigned)(h >> 48) & (LAT_SLOTS - 1);
}

static void
lat_start(long long u, long long k, double t)
{
	unsigned s = lat_slot(u, k);

	lat[s].u = u;
	lat[s].k = k;
	lat[s].t = t;
}

static void
lat_end(long long u, long long k)
{
	unsigned s = lat_slot(u, k), b;
	double d;

	if (lat[s].u != u || lat[s].k != k)
		return;
	lat[s].u = 0;
	d = cs_now() - lat[s].t;
	for (b = 0; b < NBOUNDS && d > lat_bounds[b]; b++)
		;
	st.lat_buckets[b]++;
	st.lat_count++;
	st.lat_sum += d;
}

/* ---- Redis ---- */

static struct rq *
rq_new(int kind, struct evhttp_request *req)
{
	struct rq *q = rq_free;

	if (q != NULL)
		rq_free = q->next;
	else if ((q = malloc(sizeof *q)) == NULL)
		err(1, "malloc");
	memset(q, 0, sizeof *q);
	q->kind = kind;
	q->req = req;
	return q;
}

static void
rq_put(struct rq *q)
{
	q->next = rq_free;
	rq_free = q;
}

/* Issue one call; fn gets (reply or NULL, privdata). Returns -1 when the
 * connection cannot take it. */
static int
redis_call(redisCallbackFn *fn, void *priv, int argc, const char **argv, const size_t *len)
{
	if (!redis_ready || rc == NULL)
		return -1;
	if (redisAsyncCommandArgv(rc, fn, priv, argc, argv, len) != REDIS_OK)
		return -1;
	st.redis_calls++;
	return 0;
}

/* Bookkeeping at the start of every reply callback; units is what the
 * call added to inflight (a cs_sendv counts each of its SENDs). */
static void
redis_reply_seen(redisReply *r, long long units)
{
	inflight -= units;
	if (r == NULL)
		redis_ready = 0;
	else if (r->type == REDIS_REPLY_ERROR)
		st.redis_errors++;
	if (redis_ready && inflight <= cfg.max_inflight / 2)
		pins_resume();
}

static void redis_connect(void);

static void
redis_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	redis_connect();
}

static void
redis_later(void)
{
	struct timeval tv = { 0, 200000 };

	rc = NULL;
	redis_ready = 0;
	evtimer_add(redis_retry, &tv);
}

static void
on_connect(const redisAsyncContext *c, int status)
{
	if (status != REDIS_OK) {
		logmsg(2, "redis %s:%d: %s", cfg.redis_addr, cfg.redis_port, c->errstr);
		redis_later();
		return;
	}
	logmsg(1, "connected to redis %s:%d", cfg.redis_addr, cfg.redis_port);
}

static void
on_disconnect(const redisAsyncContext *c, int status)
{
	logmsg(1, "redis %s:%d: disconnected%s%s", cfg.redis_addr, cfg.redis_port,
	    status == REDIS_OK ? "" : ": ", status == REDIS_OK ? "" : c->errstr);
	redis_later();
}

static void
on_loaded(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;

	(void)c; (void)priv;
	if (rep == NULL)
		return;
	if (rep->type == REDIS_REPLY_ERROR)
		errx(1, "redis %s:%d: FUNCTION LOAD: %s", cfg.redis_addr, cfg.redis_port, rep->str);
	redis_ready = 1;
	logmsg(1, "redis functions loaded");
	pins_resume();
}

static void
redis_connect(void)
{
	const char *argv[] = { "FUNCTION", "LOAD", "REPLACE", cellsrv_lua };
	size_t len[] = { 8, 4, 7, sizeof cellsrv_lua - 1 };

	rc = redisAsyncConnect(cfg.redis_addr, cfg.redis_port);
	if (rc == NULL)
		errx(1, "redisAsyncConnect: out of memory");
	if (rc->err) {
		logmsg(2, "redis %s:%d: %s", cfg.redis_addr, cfg.redis_port, rc->errstr);
		redisAsyncFree(rc);
		redis_later();
		return;
	}
	redisLibeventAttach(rc, base);
	redisAsyncSetConnectCallback(rc, on_connect);
	redisAsyncSetDisconnectCallback(rc, on_disconnect);
	if (redisAsyncCommandArgv(rc, on_loaded, NULL, 4, argv, len) != REDIS_OK)
		errx(1, "redis: cannot queue FUNCTION LOAD");
}

/* ---- peers ---- */

static struct peer *
peer_of(long long uid)
{
	const struct host *h = inventory_owner(&inv, uid);

	if (h == NULL || h == self)
		return NULL;
	return &peers[h->cell - 1];
}

static void peer_connect(struct peer *p);

static void
peer_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	peer_connect(arg);
}

static void
peer_down(struct peer *p)
{
	struct timeval tv;

	if (p->up)
		logmsg(1, "peer %s (cell %lld) %s:%d down", p->h->name, p->h->cell,
		    p->h->addr, cfg.peer_port);
	p->up = 0;
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	p->bev = NULL;
	tv.tv_sec = p->backoff / 1000;
	tv.tv_usec = p->backoff % 1000 * 1000;
	evtimer_add(p->retry, &tv);
	p->backoff = p->backoff * 2 > 2000 ? 2000 : p->backoff * 2;
}

static void
peer_event(struct bufferevent *bev, short what, void *arg)
{
	struct peer *p = arg;

	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		p->up = 1;
		p->connects++;
		p->backoff = 50;
		logmsg(1, "peer %s (cell %lld) %s:%d up", p->h->name, p->h->cell,
		    p->h->addr, cfg.peer_port);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		peer_down(p);
}

/* The other side never writes: anything read is discarded. */
static void
peer_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
peer_connect(struct peer *p)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(cfg.peer_port);
	inet_pton(AF_INET, p->h->addr, &sin.sin_addr);
	p->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL)
		errx(1, "bufferevent_socket_new failed");
	bufferevent_setcb(p->bev, peer_read, NULL, peer_event, p);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(p->bev, (struct sockaddr *)&sin, sizeof sin) < 0)
		peer_down(p);
}

/* Room to queue one more line for p? (up and under the buffer bound) */
static int
peer_ok(const struct peer *p)
{
	return p->up && (long long)evbuffer_get_length(bufferevent_get_output(p->bev)) < cfg.peer_buf;
}

/* Forward the items a function returned ("D ...", "A ...", "a ..."). Lines
 * for a peer that is down or full are dropped: the client's re-send brings
 * them back. With t > 0 (SENDs just accepted) a DLV starts its latency
 * clock. O(total item length). */
static void
forward(redisReply **item, size_t n, double t)
{
	static char enc[3 * MSG_BODY_MAX + 8];
	size_t i;

	for (i = 0; i < n; i++) {
		const redisReply *r = item[i];
		long long f[4] = { 0, 0, 0, 0 };
		const char *s, *e, *body = NULL;
		int nf = 0, want;
		struct peer *p;

		if (r->type != REDIS_REPLY_STRING || r->len < 2)
			continue;
		s = r->str + 2;
		e = r->str + r->len;
		want = r->str[0] == 'D' ? 4 : 3;
		while (nf < want && s < e) {
			while (s < e && *s >= '0' && *s <= '9')
				f[nf] = f[nf] * 10 + (*s++ - '0');
			nf++;
			if (s < e)
				s++;
		}
		body = s;
		if (r->str[0] == 'D' && t > 0)
			lat_start(f[0], f[3], t);
		if (r->str[0] == 'a') {
			lat_end(f[0], f[2]);
			continue;
		}
		p = peer_of(r->str[0] == 'D' ? f[1] : f[0]);
		if (p == NULL)
			continue;
		if (!peer_ok(p)) {
			p->drops++;
			continue;
		}
		p->lines++;
		if (r->str[0] == 'D') {
			struct evbuffer *o = bufferevent_get_output(p->bev);
			size_t blen = (size_t)(e - body);
			if (blen > MSG_BODY_MAX)
				blen = MSG_BODY_MAX;
			evbuffer_add(o, r->str, (size_t)(body - r->str));
			evbuffer_add(o, enc, pct_encode(enc, body, blen));
			evbuffer_add(o, "\n", 1);
		} else {
			struct evbuffer *o = bufferevent_get_output(p->bev);
			evbuffer_add(o, r->str, r->len);
			evbuffer_add(o, "\n", 1);
		}
	}
}

static void pin_read(struct bufferevent *bev, void *arg);

static void
on_peer_reply(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;

	(void)c; (void)priv;
	redis_reply_seen(rep, 1);
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR)
		logmsg(1, "cs_peer: %s", rep->str);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements < 4)
		return;
	st.delivered += (unsigned long long)rep->element[0]->integer;
	st.acked += (unsigned long long)rep->element[1]->integer;
	st.dup_dlv += (unsigned long long)rep->element[2]->integer;
	st.peer_far += (unsigned long long)rep->element[3]->integer;
	forward(rep->element + 4, rep->elements - 4, 0);
}

static void
pin_close(struct pin *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		pins = p->next;
	if (p->next)
		p->next->prev = p->prev;
	bufferevent_free(p->bev);
	free(p);
}

/* A number field of a peer line: digits, no leading zero, 1..max. */
static int
pnum(const char *s, size_t n, long long max)
{
	const char *errstr;

	if (n == 0 || s[0] == '0')
		return -1;
	cs_strntonum(s, n, 1, max, &errstr);
	return errstr ? -1 : 0;
}

/* Parse complete lines of in (at most PEER_BATCH) into one cs_peer call. */
static void
pin_read(struct bufferevent *bev, void *arg)
{
	/* FCALL cs_peer 0 lo hi window, then up to 6 arguments per line */
	static const char *argv[6 + PEER_BATCH * 6];
	static size_t len[6 + PEER_BATCH * 6];
	/* pct_decode needs room for the encoded length (up to 3 KiB) */
	static char bodies[PEER_BATCH][3 * MSG_BODY_MAX];
	static char lo[24], hi[24], win[24];
	struct pin *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	for (;;) {
		size_t avail = evbuffer_get_length(in), off = 0, take;
		int argc = 3, items = 0;
		char *buf;

		if (avail == 0)
			return;
		if (!redis_ready || inflight >= cfg.max_inflight) {
			bufferevent_disable(bev, EV_READ);
			p->paused = 1;
			return;
		}
		take = avail < PEER_BATCH * (size_t)PEER_LINE ? avail : PEER_BATCH * (size_t)PEER_LINE;
		buf = (char *)evbuffer_pullup(in, (ev_ssize_t)take);
		snprintf(lo, sizeof lo, "%lld", self->lo);
		snprintf(hi, sizeof hi, "%lld", self->hi);
		snprintf(win, sizeof win, "%lld", cfg.window);
		argv[0] = "FCALL"; len[0] = 5;
		argv[1] = "cs_peer"; len[1] = 7;
		argv[2] = "0"; len[2] = 1;
		argv[3] = lo; len[3] = strlen(lo);
		argv[4] = hi; len[4] = strlen(hi);
		argv[5] = win; len[5] = strlen(win);
		argc = 6;
		while (items < PEER_BATCH) {
			char *nl = memchr(buf + off, '\n', take - off), *f[6];
			size_t fl[6];
			int nf = 0, want, bad = 0;
			char *s, *e, *ls;

			if (nl == NULL)
				break;
			s = ls = buf + off;
			e = nl;
			off = (size_t)(nl - buf) + 1;
			want = s[0] == 'D' ? 6 : 4;
			while (nf < want) {
				char *sp = nf < want - 1 ? memchr(s, ' ', (size_t)(e - s)) : NULL;
				f[nf] = s;
				fl[nf] = (size_t)((sp ? sp : e) - s);
				nf++;
				if (sp == NULL)
					break;
				s = sp + 1;
			}
			if (nf != want || fl[0] != 1 || (f[0][0] != 'D' && f[0][0] != 'A'))
				bad = 1;
			else if (pnum(f[1], fl[1], inv.users) || pnum(f[2], fl[2], inv.users) ||
			    pnum(f[3], fl[3], ID_MAX) || (want == 6 && pnum(f[4], fl[4], ID_MAX)))
				bad = 1;
			if (!bad && want == 6) {
				long n = fl[5] > 3 * MSG_BODY_MAX ? -1 :
				    pct_decode(bodies[items], f[5], fl[5], 0);
				if (n < 0 || n > MSG_BODY_MAX)
					bad = 1;
				f[5] = bodies[items];
				fl[5] = (size_t)n;
			}
			if (bad) {
				st.peer_bad++;
				logmsg(2, "peer: bad line ignored: \"%.*s\"",
				    (int)(e - ls > 60 ? 60 : e - ls), ls);
				continue;
			}
			for (nf = 0; nf < want; nf++) {
				argv[argc] = f[nf];
				len[argc++] = fl[nf];
			}
			items++;
		}
		if (off == 0) {
			if (take >= PEER_LINE) {
				logmsg(1, "peer: line too long, closing link");
				pin_close(p);
			}
			return;
		}
		if (items > 0) {
			st.peer_in += (unsigned long long)items;
			if (redis_call(on_peer_reply, NULL, argc, argv, len) == 0) {
				inflight++;
			} else {
				/* Redis went away: keep the lines for later. */
				bufferevent_disable(bev, EV_READ);
				p->paused = 1;
				return;
			}
		}
		evbuffer_drain(in, off);
	}
}

static void
pins_resume(void)
{
	struct pin *p, *next;

	for (p = pins; p != NULL; p = next) {
		next = p->next;
		if (!p->paused)
			continue;
		p->paused = 0;
		bufferevent_enable(p->bev, EV_READ);
		pin_read(p->bev, p);
		if (!redis_ready || inflight >= cfg.max_inflight)
			break;
	}
}

static void
pin_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		pin_close(arg);
}

static void
pin_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct pin *p = calloc(1, sizeof *p);

	(void)l; (void)sa; (void)salen; (void)arg;
	if (p == NULL)
		err(1, "calloc");
	p->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL)
		errx(1, "bufferevent_socket_new failed");
	bufferevent_setcb(p->bev, pin_read, NULL, pin_event, p);
	bufferevent_setwatermark(p->bev, EV_READ, 0, 1 << 20);
	bufferevent_enable(p->bev, EV_READ);
	p->next = pins;
	if (pins)
		pins->prev = p;
	pins = p;
	logmsg(2, "peer connection accepted");
}

/* ---- HTTP ---- */

static const char *
reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 503: return "Service Unavailable";
	default:  return "Internal Server Error";
	}
}

static int
dump_cb(const char *buf, size_t size, void *data)
{
	return evbuffer_add(data, buf, size);
}

/* Add the Date header from a string made once a second (evhttp would
 * format it for every reply). */
static void
add_date(struct evhttp_request *req)
{
	static char date[64];
	static time_t last;
	time_t t = time(NULL);

	if (t != last) {
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = t;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Date", date);
}

/* Answer req with a JSON document (consumed) on one line; the
 * Content-Type is evhttp's default, set to application/json in main. */
static void
reply_json(struct evhttp_request *req, int code, json_t *j)
{
	struct evbuffer *b = evhttp_request_get_output_buffer(req);
	char buf[256];
	size_t n;

	if (j == NULL)
		errx(1, "jansson: cannot build a reply");
	/* Small documents go through one buffer, large ones token by token. */
	if ((n = json_dumpb(j, buf, sizeof buf - 1, JSON_COMPACT)) > 0 && n < sizeof buf - 1) {
		buf[n++] = '\n';
		evbuffer_add(b, buf, n);
	} else {
		if (json_dump_callback(j, dump_cb, b, JSON_COMPACT) < 0)
			errx(1, "jansson: cannot build a reply");
		evbuffer_add(b, "\n", 1);
	}
	json_decref(j);
	add_date(req);
	if (code == 503)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
	st.http[code]++;
	evhttp_send_reply(req, code, reason(code), NULL);
}

static void
reply_err(struct evhttp_request *req, int code, const char *msg)
{
	reply_json(req, code, json_pack("{s:s}", "error", msg));
}

static void
reply_text(struct evhttp_request *req, int code, const char *type)
{
	add_date(req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	st.http[code]++;
	evhttp_send_reply(req, code, reason(code), NULL);
}

static void
on_http_close(struct evhttp_connection *conn, void *arg)
{
	struct rq *q = arg;

	(void)conn;
	q->req = NULL;
}

/* The request of q, detached from its connection's close callback; NULL
 * when the client has gone. */
static struct evhttp_request *
rq_take(struct rq *q)
{
	if (q->req != NULL)
		evhttp_connection_set_closecb(q->conn, NULL, NULL);
	return q->req;
}

/* Watch for the client of q going away while q waits. */
static void
rq_watch(struct rq *q)
{
	q->conn = evhttp_request_get_connection(q->req);
	evhttp_connection_set_closecb(q->conn, on_http_close, q);
}

static int
rq_call(struct rq *q, redisCallbackFn *fn, int argc, const char **argv, const size_t *len)
{
	if (redis_call(fn, q, argc, argv, len) < 0) {
		reply_err(q->req, 503, "redis unavailable");
		rq_put(q);
		return -1;
	}
	inflight++;
	rq_watch(q);
	return 0;
}

/* Map a function's error reply to an HTTP status. A reply of another shape
 * (an array cut short by a counter that is no number in a damaged record)
 * has no text: 500. */
static void
reply_redis_err(struct evhttp_request *req, const redisReply *rep)
{
	if (rep == NULL)
		reply_err(req, 503, "redis unavailable");
	else if ((rep->type != REDIS_REPLY_ERROR && rep->type != REDIS_REPLY_STRING) ||
	    rep->str == NULL) {
		logmsg(1, "redis: unexpected reply (type %d, %zu elements)", rep->type,
		    rep->type == REDIS_REPLY_ARRAY ? rep->elements : (size_t)0);
		reply_err(req, 500, "redis error");
	} else if (strncmp(rep->str, "NOUSER", 6) == 0)
		reply_err(req, 404, "unknown user");
	else if (strncmp(rep->str, "BADRECORD", 9) == 0) {
		logmsg(1, "redis: %s", rep->str);
		reply_err(req, 500, "damaged user record");
	} else if (strncmp(rep->str, "NOTFRIEND", 9) == 0)
		reply_err(req, 403, "not a friend");
	else if (strncmp(rep->str, "CONFLICT", 8) == 0)
		reply_err(req, 409, "message id accepted with another friend or body");
	else if (strncmp(rep->str, "BADID", 5) == 0)
		reply_err(req, 400, "malformed message id");
	else if (strncmp(rep->str, "WINDOW", 6) == 0)
		reply_err(req, 400, "message id too far above SendAckId");
	else {
		logmsg(1, "redis error: %s", rep->str);
		reply_err(req, 500, "redis error");
	}
}

/* One SEND's part of a cs_sendv reply: answer the client, forward what the
 * step produced. */
static void
send_done(struct rq *q, const redisReply *rep)
{
	static const char *status[] = { "done", "retx", "park", "acc" };
	static json_t *obj, *v[4];
	struct evhttp_request *req = rq_take(q);
	redisReply **e;
	long long i, acc;
	double t;

	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements < 8) {
		if (req != NULL) {
			if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
			    rep->element[0]->type == REDIS_REPLY_STRING)
				reply_redis_err(req, rep->element[0]);
			else
				reply_redis_err(req, rep);
		}
		rq_put(q);
		return;
	}
	e = rep->element;
	for (i = 0; i < 4; i++)
		if (strcmp(e[0]->str, status[i]) == 0)
			st.sends[i]++;
	acc = e[4]->integer;
	st.accepted += (unsigned long long)acc;
	st.delivered += (unsigned long long)e[5]->integer;
	st.acked += (unsigned long long)e[6]->integer;
	st.dup_dlv += (unsigned long long)e[7]->integer;
	t = 0;
	if (acc > 0) {
		/* Same-cell messages are acked in the accepting call itself. */
		t = cs_now();
		st.lat_buckets[0] += (unsigned long long)e[6]->integer;
		st.lat_count += (unsigned long long)e[6]->integer;
	}
	forward(e + 8, rep->elements - 8, t);
	if (req != NULL) {
		/* One reused object: jansson builds the text, no allocation. */
		if (obj == NULL) {
			for (i = 0; i < 4; i++)
				v[i] = json_integer(0);
			obj = json_pack("{s:O,s:O,s:O,s:O}", "UserId", v[0], "SendId", v[1],
			    "SendAckId", v[2], "ReceiveId", v[3]);
			if (obj == NULL)
				errx(1, "jansson: out of memory");
		}
		json_integer_set(v[0], q->u);
		for (i = 1; i < 4; i++)
			json_integer_set(v[i], e[i]->integer);
		reply_json(req, 200, json_incref(obj));
	}
	rq_put(q);
}

static void
on_sendv(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;
	struct batch *b = priv;
	int i;

	(void)c;
	redis_reply_seen(rep, b->n);
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements != (size_t)b->n)
		errx(1, "cs_sendv: %zu replies for %d SENDs", rep->elements, b->n);
	for (i = 0; i < b->n; i++)
		send_done(b->q[i], rep == NULL || rep->type != REDIS_REPLY_ARRAY ? rep :
		    rep->element[i]);
	free(b);
}

static struct rq *pend[SEND_BATCH];  /* SENDs waiting for the flush */
static int         npend;
static struct event *flush_ev;

/* Send the waiting SENDs as one cs_sendv call. Runs at the end of the loop
 * turn that received them (or when the batch is full). */
static void
flush_sends(evutil_socket_t fd, short what, void *arg)
{
	static const char *argv[6 + 4 * SEND_BATCH];
	static size_t len[6 + 4 * SEND_BATCH];
	static char slo[24], shi[24], sw[24];
	struct batch *b;
	int i, argc = 6;

	(void)fd; (void)what; (void)arg;
	if (npend == 0)
		return;
	if ((b = malloc(sizeof *b)) == NULL)
		err(1, "malloc");
	b->n = npend;
	memcpy(b->q, pend, (size_t)npend * sizeof pend[0]);
	npend = 0;
	snprintf(slo, sizeof slo, "%lld", self->lo);
	snprintf(shi, sizeof shi, "%lld", self->hi);
	snprintf(sw, sizeof sw, "%lld", cfg.window);
	argv[0] = "FCALL"; argv[1] = "cs_sendv"; argv[2] = "0";
	argv[3] = slo; argv[4] = shi; argv[5] = sw;
	for (i = 0; i < 6; i++)
		len[i] = strlen(argv[i]);
	for (i = 0; i < b->n; i++) {
		struct rq *q = b->q[i];
		int j;
		for (j = 0; j < 3; j++) {
			argv[argc] = q->num[j];
			len[argc++] = strlen(q->num[j]);
		}
		argv[argc] = q->body;
		len[argc++] = q->blen;
	}
	if (redis_call(on_sendv, b, argc, argv, len) < 0) {
		inflight -= b->n;
		for (i = 0; i < b->n; i++) {
			struct evhttp_request *req = rq_take(b->q[i]);
			if (req != NULL)
				reply_err(req, 503, "redis unavailable");
			rq_put(b->q[i]);
		}
		free(b);
	}
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void
on_user(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;
	struct rq *q = priv;
	struct evhttp_request *req = rq_take(q);
	long long *fr;
	size_t i, n;
	json_t *a;

	(void)c;
	redis_reply_seen(rep, 1);
	if (req == NULL || rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements < 4) {
		if (req != NULL)
			reply_redis_err(req, rep);
		rq_put(q);
		return;
	}
	n = rep->elements - 4;
	if ((fr = malloc((n + 1) * sizeof *fr)) == NULL || (a = json_array()) == NULL)
		err(1, "malloc");
	for (i = 0; i < n; i++)
		fr[i] = strtoll(rep->element[4 + i]->str, NULL, 10);
	qsort(fr, n, sizeof *fr, cmp_ll);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer(fr[i]));
	free(fr);
	reply_json(req, 200, json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "UserId", (json_int_t)q->u,
	    "SendId", (json_int_t)rep->element[0]->integer,
	    "SendAckId", (json_int_t)rep->element[1]->integer,
	    "ReceiveId", (json_int_t)rep->element[2]->integer,
	    "ClientReceiveId", (json_int_t)rep->element[3]->integer, "friends", a));
	rq_put(q);
}

/* An inbox entry "F SEQ K BODY" as {"from","seq","id","body"}. */
static json_t *
inbox_entry(const redisReply *r)
{
	long long v[3] = { 0, 0, 0 };
	const char *s = r->str, *e = r->str + r->len;
	json_t *body;
	int i;

	for (i = 0; i < 3; i++) {
		while (s < e && *s >= '0' && *s <= '9')
			v[i] = v[i] * 10 + (*s++ - '0');
		if (s < e)
			s++;
	}
	if ((body = json_stringn(s, (size_t)(e - s))) == NULL)
		body = json_null();     /* not UTF-8: only a foreign peer can do that */
	return json_pack("{s:I,s:I,s:I,s:o}", "from", (json_int_t)v[0], "seq", (json_int_t)v[1],
	    "id", (json_int_t)v[2], "body", body);
}

static void
on_inbox(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;
	struct rq *q = priv;
	struct evhttp_request *req = rq_take(q);
	json_t *a;
	size_t i;

	(void)c;
	redis_reply_seen(rep, 1);
	if (req == NULL || rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements < 1) {
		if (req != NULL)
			reply_redis_err(req, rep);
		rq_put(q);
		return;
	}
	if ((a = json_array()) == NULL)
		errx(1, "jansson: out of memory");
	for (i = 1; i < rep->elements; i++)
		json_array_append_new(a, inbox_entry(rep->element[i]));
	reply_json(req, 200, a);
	rq_put(q);
}

/* Next path segment of *p as a number: 0, or an HTTP status on error. */
static int
seg_num(const char **p, long long min, long long max, long long *v)
{
	const char *s = *p, *e = strchr(s, '/');
	const char *errstr;

	if (e == NULL)
		e = s + strlen(s);
	*v = cs_strntonum(s, (size_t)(e - s), min, max, &errstr);
	*p = *e == '/' ? e + 1 : e;
	return errstr ? 400 : 0;
}

/* The value of query parameter name (not decoded), or NULL. */
static const char *
query_get(const char *q, const char *name, size_t *len)
{
	size_t nl = strlen(name);

	while (q != NULL && *q) {
		const char *amp = strchr(q, '&');
		size_t l = amp ? (size_t)(amp - q) : strlen(q);
		if (l > nl && strncmp(q, name, nl) == 0 && q[nl] == '=') {
			*len = l - nl - 1;
			return q + nl + 1;
		}
		if (l == nl && strncmp(q, name, nl) == 0) {
			*len = 0;
			return q + nl;
		}
		q = amp ? amp + 1 : NULL;
	}
	return NULL;
}

/* A query number in [0, max], default def: 0, or 400. */
static int
query_num(const char *query, const char *name, long long max, long long def, long long *v)
{
	size_t len;
	const char *s = query_get(query, name, &len), *errstr;

	*v = def;
	if (s == NULL)
		return 0;
	*v = cs_strntonum(s, len, 0, max, &errstr);
	return errstr ? 400 : 0;
}

static int
own_user(long long u)
{
	return u >= self->lo && u <= self->hi;
}

/* The user id that starts an /api path, one of this cell's users; with
 * last != 0 it must also end the path. Returns -1 after answering the
 * error. */
static int
path_user(struct evhttp_request *req, const char **path, int last, long long *u)
{
	int code;

	if ((code = seg_num(path, 1, ID_MAX, u))) {
		reply_err(req, code, "malformed user id");
		return -1;
	}
	if (last && **path != '\0') {
		reply_err(req, 404, "unknown path");
		return -1;
	}
	if (!own_user(*u)) {
		reply_err(req, 404, "unknown user");
		return -1;
	}
	return 0;
}

/* Can a new Redis call start? If not, answer 503. */
static int
busy(struct evhttp_request *req)
{
	if (!redis_ready) {
		reply_err(req, 503, "redis unavailable");
		return 1;
	}
	if (inflight >= cfg.max_inflight) {
		reply_err(req, 503, "overloaded");
		return 1;
	}
	return 0;
}

static void
http_send(struct evhttp_request *req, const char *path, const char *query)
{
	static char body[MSG_BODY_MAX];
	const char *m;
	size_t mlen, i;
	long long u, f, k;
	long blen;
	int code, ascii = 1;
	struct peer *p;
	struct rq *q;

	if (path_user(req, &path, 0, &u) < 0)
		return;
	if ((code = seg_num(&path, 1, ID_MAX, &f)) || (code = seg_num(&path, 1, ID_MAX, &k))) {
		reply_err(req, code, "malformed number in path");
		return;
	}
	if (*path != '\0') {
		reply_err(req, 404, "unknown path");
		return;
	}
	if (f > inv.users || f == u) {
		reply_err(req, 403, "not a friend");
		return;
	}
	if ((m = query_get(query, "message", &mlen)) == NULL) {
		reply_err(req, 400, "missing message");
		return;
	}
	if (mlen > 3 * MSG_BODY_MAX) {
		reply_err(req, 413, "message over 1 KiB");
		return;
	}
	{
		static char tmp[3 * MSG_BODY_MAX];
		blen = pct_decode(tmp, m, mlen, 1);
		if (blen < 0) {
			reply_err(req, 400, "malformed message encoding");
			return;
		}
		if (blen > MSG_BODY_MAX) {
			reply_err(req, 413, "message over 1 KiB");
			return;
		}
		memcpy(body, tmp, (size_t)blen);
	}
	for (i = 0; i < (size_t)blen; i++)
		if ((unsigned char)body[i] >= 0x80)
			ascii = 0;
	if (!ascii) {
		json_t *j = json_stringn(body, (size_t)blen);
		if (j == NULL) {
			reply_err(req, 400, "message is not UTF-8");
			return;
		}
		json_decref(j);
	}
	if (busy(req))
		return;
	if ((p = peer_of(f)) != NULL && p->up &&
	    (long long)evbuffer_get_length(bufferevent_get_output(p->bev)) >= cfg.peer_buf) {
		reply_err(req, 503, "peer link full");
		return;
	}
	q = rq_new(RQ_SEND, req);
	q->u = u;
	q->k = k;
	snprintf(q->num[0], sizeof q->num[0], "%lld", u);
	snprintf(q->num[1], sizeof q->num[1], "%lld", f);
	snprintf(q->num[2], sizeof q->num[2], "%lld", k);
	memcpy(q->body, body, (size_t)blen);
	q->blen = (size_t)blen;
	rq_watch(q);
	inflight++;
	pend[npend++] = q;
	if (npend == SEND_BATCH)
		flush_sends(-1, 0, NULL);
	else if (npend == 1)
		event_active(flush_ev, 0, 0);
}

static void
http_user(struct evhttp_request *req, const char *path)
{
	const char *argv[4];
	size_t len[4];
	char su[24];
	long long u;
	struct rq *q;

	if (path_user(req, &path, 1, &u) < 0)
		return;
	if (busy(req))
		return;
	snprintf(su, sizeof su, "%lld", u);
	argv[0] = "FCALL"; argv[1] = "cs_user"; argv[2] = "0"; argv[3] = su;
	len[0] = 5; len[1] = 7; len[2] = 1; len[3] = strlen(su);
	q = rq_new(RQ_USER, req);
	q->u = u;
	rq_call(q, on_user, 4, argv, len);
}

static void
http_inbox(struct evhttp_request *req, const char *path, const char *query)
{
	const char *argv[6];
	size_t len[6];
	char su[24], sfrom[24], slim[24];
	long long u, from, limit;
	struct rq *q;
	int i;

	if (path_user(req, &path, 1, &u) < 0)
		return;
	if (query_num(query, "from", ID_MAX, 0, &from) ||
	    query_num(query, "limit", INBOX_MAX, 1000, &limit)) {
		reply_err(req, 400, "malformed from or limit");
		return;
	}
	if (busy(req))
		return;
	snprintf(su, sizeof su, "%lld", u);
	snprintf(sfrom, sizeof sfrom, "%lld", from);
	snprintf(slim, sizeof slim, "%lld", limit);
	argv[0] = "FCALL"; argv[1] = "cs_inbox"; argv[2] = "0";
	argv[3] = su; argv[4] = sfrom; argv[5] = slim;
	for (i = 0; i < 6; i++)
		len[i] = strlen(argv[i]);
	q = rq_new(RQ_INBOX, req);
	q->u = u;
	rq_call(q, on_inbox, 6, argv, len);
}

static void
http_metrics(struct evhttp_request *req)
{
	static const char *status[] = { "duplicate", "retransmitted", "parked", "accepted" };
	struct evbuffer *b = evhttp_request_get_output_buffer(req);
	struct rusage ru;
	unsigned long long cum = 0;
	size_t i;
	int m;

	getrusage(RUSAGE_SELF, &ru);
	evbuffer_add_printf(b,
	    "# HELP cellsrv_sends_total SEND requests by result (accepted counts ids that advanced SendId).\n"
	    "# TYPE cellsrv_sends_total counter\n");
	for (i = 0; i < 4; i++)
		evbuffer_add_printf(b, "cellsrv_sends_total{result=\"%s\"} %llu\n", status[i],
		    i == 3 ? st.accepted : st.sends[i]);
	evbuffer_add_printf(b,
	    "# TYPE cellsrv_deliveries_total counter\ncellsrv_deliveries_total %llu\n"
	    "# TYPE cellsrv_delivery_duplicates_total counter\ncellsrv_delivery_duplicates_total %llu\n"
	    "# TYPE cellsrv_acks_total counter\ncellsrv_acks_total %llu\n"
	    "# TYPE cellsrv_redis_inflight gauge\ncellsrv_redis_inflight %lld\n"
	    "# TYPE cellsrv_redis_calls_total counter\ncellsrv_redis_calls_total %llu\n"
	    "# TYPE cellsrv_redis_errors_total counter\ncellsrv_redis_errors_total %llu\n"
	    "# TYPE cellsrv_redis_up gauge\ncellsrv_redis_up %d\n"
	    "# TYPE cellsrv_peer_lines_in_total counter\ncellsrv_peer_lines_in_total %llu\n"
	    "# TYPE cellsrv_peer_bad_lines_total counter\ncellsrv_peer_bad_lines_total %llu\n"
	    "# HELP cellsrv_peer_dropped_far_total Peer DLVs dropped, not parked: pair seq more than -w ahead.\n"
	    "# TYPE cellsrv_peer_dropped_far_total counter\ncellsrv_peer_dropped_far_total %llu\n",
	    st.delivered, st.dup_dlv, st.acked, inflight, st.redis_calls, st.redis_errors,
	    redis_ready, st.peer_in, st.peer_bad, st.peer_far);
	for (m = 0; m < 5; m++) {
		static const char *name[] = { "peer_up gauge", "peer_connects_total counter",
		    "peer_reconnects_total counter", "peer_lines_out_total counter",
		    "peer_dropped_lines_total counter" };
		int nl = (int)strcspn(name[m], " ");
		evbuffer_add_printf(b, "# TYPE cellsrv_%.*s %s\n", nl, name[m], name[m] + nl + 1);
		for (i = 0; i < inv.n; i++) {
			const struct peer *p = &peers[i];
			unsigned long long v[] = { (unsigned long long)p->up, p->connects,
			    p->connects > 1 ? p->connects - 1 : 0, p->lines, p->drops };
			if (&inv.host[i] != self)
				evbuffer_add_printf(b, "cellsrv_%.*s{cell=\"%zu\"} %llu\n", nl, name[m],
				    i + 1, v[m]);
		}
	}
	evbuffer_add_printf(b, "# TYPE cellsrv_http_responses_total counter\n");
	for (i = 100; i < 600; i++)
		if (st.http[i])
			evbuffer_add_printf(b, "cellsrv_http_responses_total{code=\"%zu\"} %llu\n", i,
			    st.http[i]);
	evbuffer_add_printf(b,
	    "# HELP cellsrv_send_ack_seconds time from a SEND accepted to its ACK applied.\n"
	    "# TYPE cellsrv_send_ack_seconds histogram\n");
	for (i = 0; i <= NBOUNDS; i++) {
		cum += st.lat_buckets[i];
		if (i < NBOUNDS)
			evbuffer_add_printf(b, "cellsrv_send_ack_seconds_bucket{le=\"%g\"} %llu\n",
			    lat_bounds[i], cum);
		else
			evbuffer_add_printf(b, "cellsrv_send_ack_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	}
	evbuffer_add_printf(b,
	    "cellsrv_send_ack_seconds_sum %.6f\ncellsrv_send_ack_seconds_count %llu\n"
	    "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.6f\n"
	    "# TYPE process_cpu_user_seconds_total counter\nprocess_cpu_user_seconds_total %.6f\n"
	    "# TYPE process_cpu_system_seconds_total counter\nprocess_cpu_system_seconds_total %.6f\n"
	    "# TYPE process_max_resident_memory_bytes gauge\nprocess_max_resident_memory_bytes %ld\n",
	    st.lat_sum, st.lat_count,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss * 1024L);
	reply_text(req, 200, "text/plain; version=0.0.4");
}

static void
http_cb(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri;
	const char *path, *query;

	(void)arg;
	if (evhttp_request_get_uri(req) == NULL || (uri = evhttp_request_get_evhttp_uri(req)) == NULL) {
		/* evhttp could not parse it: too long or malformed. */
		if (evhttp_request_get_response_code(req) == 413)
			reply_err(req, 413, "request too large");
		else
			reply_err(req, 400, "malformed request");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		reply_err(req, 405, "only GET");
		return;
	}
	path = evhttp_uri_get_path(uri);
	query = evhttp_uri_get_query(uri);
	if (path == NULL)
		path = "";
	if (strncmp(path, "/api/c/", 7) == 0)
		http_send(req, path + 7, query);
	else if (strncmp(path, "/api/inbox/", 11) == 0)
		http_inbox(req, path + 11, query);
	else if (strncmp(path, "/api/user/", 10) == 0)
		http_user(req, path + 10);
	else if (strcmp(path, "/healthz") == 0) {
		if (redis_ready) {
			evbuffer_add(evhttp_request_get_output_buffer(req), "ok\n", 3);
			reply_text(req, 200, "text/plain");
		} else
			reply_err(req, 503, "redis unavailable");
	} else if (strcmp(path, "/metrics") == 0)
		http_metrics(req);
	else
		reply_err(req, 404, "unknown path");
}

/* ---- main ---- */

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what; (void)arg;
	logmsg(1, "signal %d: exiting", (int)sig);
	event_base_loopexit(base, NULL);
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: cellsrv -i inventory -k cell [-a addr] [-R redis_addr] "
	    "[-p http_port=%d] [-P peer_port=%d] [-r redis_port=%d] [-m max_inflight=%lld] "
	    "[-b peer_buf_bytes=%lld] [-w send_window=%lld] [-q | -v]\n",
	    PORT_HTTP, PORT_PEER, PORT_REDIS, cfg.max_inflight, cfg.peer_buf, cfg.window);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct event *sigterm, *sigint;
	struct event_config *evcfg;
	struct sockaddr_in sin;
	struct rq *q;
	size_t i;
	int ch;

	while ((ch = getopt_long(argc, argv, "a:b:hi:k:m:P:p:qR:r:vw:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': cfg.addr = optarg; break;
		case 'b': cfg.peer_buf = cs_optnum(ch, optarg, 4096, 1LL << 34); break;
		case 'i': cfg.inventory = optarg; break;
		case 'k': cfg.cell = cs_optnum(ch, optarg, 1, 100000); break;
		case 'm': cfg.max_inflight = cs_optnum(ch, optarg, 2, 1 << 20); break;
		case 'P': cfg.peer_port = (int)cs_optnum(ch, optarg, 1, 65535); break;
		case 'p': cfg.http_port = (int)cs_optnum(ch, optarg, 1, 65535); break;
		case 'q': cfg.verbose = 0; break;
		case 'R': cfg.redis_addr = optarg; break;
		case 'r': cfg.redis_port = (int)cs_optnum(ch, optarg, 1, 65535); break;
		case 'v': cfg.verbose = 2; break;
		case 'w': cfg.window = cs_optnum(ch, optarg, 1, 1LL << 30); break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || cfg.inventory == NULL || cfg.cell == 0)
		usage(stderr, 2);

	self = inventory_self(cfg.inventory, cfg.cell, &inv);
	if (cfg.addr == NULL)
		cfg.addr = self->addr;
	if (cfg.redis_addr == NULL)
		cfg.redis_addr = cfg.addr;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	/* The changelist folds the many enable/disable calls of a loop turn
	 * into one epoll_ctl per descriptor. */
	if ((evcfg = event_config_new()) == NULL)
		errx(1, "event_config_new failed");
	event_config_set_flag(evcfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	if ((base = event_base_new_with_config(evcfg)) == NULL)
		errx(1, "event_base_new failed");
	event_config_free(evcfg);

	if ((http = evhttp_new(base)) == NULL)
		errx(1, "evhttp_new failed");
	/* Every method reaches http_cb, which answers 405 to all but GET:
	 * evhttp itself answers 501 to a method not allowed here, and to one
	 * it does not know ("get", "FOO"), which it marks with a bit of its
	 * own (1 << 15 in libevent 2.1) that the full mask lets through. */
	evhttp_set_allowed_methods(http, 0xffff);
	evhttp_set_max_headers_size(http, 8192);
	evhttp_set_max_body_size(http, 4096);
	evhttp_set_timeout(http, 60);
	evhttp_set_default_content_type(http, "application/json");
	evhttp_set_gencb(http, http_cb, NULL);
	if (evhttp_bind_socket(http, cfg.addr, (ev_uint16_t)cfg.http_port) != 0)
		err(1, "cannot listen on %s:%d", cfg.addr, cfg.http_port);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(cfg.peer_port);
	if (inet_pton(AF_INET, cfg.addr, &sin.sin_addr) != 1)
		errx(1, "-a %s: not an IPv4 address", cfg.addr);
	listener = evconnlistener_new_bind(base, pin_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128, (struct sockaddr *)&sin, sizeof sin);
	if (listener == NULL)
		err(1, "cannot listen on %s:%d", cfg.addr, cfg.peer_port);
	logmsg(1, "listening on %s:%d", cfg.addr, cfg.http_port);
	logmsg(1, "peer port %s:%d", cfg.addr, cfg.peer_port);

	if ((peers = calloc(inv.n, sizeof *peers)) == NULL)
		err(1, "calloc");
	for (i = 0; i < inv.n; i++) {
		peers[i].h = &inv.host[i];
		peers[i].backoff = 50;
		if (&inv.host[i] == self)
			continue;
		peers[i].retry = evtimer_new(base, peer_retry_cb, &peers[i]);
		peer_connect(&peers[i]);
	}

	redis_retry = evtimer_new(base, redis_retry_cb, NULL);
	if ((flush_ev = event_new(base, -1, 0, flush_sends, NULL)) == NULL)
		errx(1, "event_new failed");
	redis_connect();

	sigterm = evsignal_new(base, SIGTERM, on_signal, NULL);
	sigint = evsignal_new(base, SIGINT, on_signal, NULL);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);

	event_base_dispatch(base);

	redis_ready = 0;
	flush_sends(-1, 0, NULL);     /* answers 503 to SENDs not yet sent */
	if (rc != NULL)
		redisAsyncFree(rc);
	while (pins != NULL)
		pin_close(pins);
	evconnlistener_free(listener);
	evhttp_free(http);
	for (i = 0; i < inv.n; i++) {
		if (peers[i].bev != NULL)
			bufferevent_free(peers[i].bev);
		if (peers[i].retry != NULL)
			event_free(peers[i].retry);
	}
	free(peers);
	while ((q = rq_free) != NULL) {
		rq_free = q->next;
		free(q);
	}
	event_free(redis_retry);
	event_free(flush_ev);
	event_free(sigterm);
	event_free(sigint);
	event_base_free(base);
	inventory_free(&inv);
	return 0;
}
