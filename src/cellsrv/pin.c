/* pin.c: cellsrv's incoming links, one from every other cell (peer.c
 * writes this cell's own). They are only read: the complete lines read
 * from all links in one loop turn (up to PEER_BATCH) become one cs_peer
 * call, whose reply is forwarded in turn; with 39 peers each link brings a
 * line or two per read, and a call per read would double the Redis calls
 * per message. A bad line is counted and skipped; a line too long closes
 * the link. Reading pauses while Redis is not ready or has
 * cfg.max_inflight calls in flight, and resumes when it has half as many:
 * TCP then holds the lines back at the sender. Nothing read is lost to a
 * Redis fault: a batch keeps its lines until Redis has answered it, and
 * one that failed for a fault (redis_fault) is called again, first thing
 * once Redis is ready. Links get keepalive and cfg.link_timeout, so a
 * link from a peer that vanished is closed. While Redis is ready, each
 * link carries a heartbeat back to its peer (peer.c). */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "cellsrv.h"
#include "peerline.h"
#include "sockopt.h"

#define PEER_BATCH  256                /* peer lines per FCALL */
#define BATCH_BYTES (PEER_BATCH * (size_t)PEERLINE_MAX) /* read at most */

/* An incoming link from another cell. */
struct pin {
	struct bufferevent *bev;
	struct pin         *prev, *next;
	long long           cell;     /* whose, by its source address; 0: unknown */
	int                 paused;   /* reading stopped: Redis saturated */
};

/* The lines of one cs_peer call, kept until Redis has answered it. */
struct batch {
	struct batch *next;    /* in the retry queue */
	size_t        len;
	char          line[];  /* complete lines */
};

static struct pin *pins;
static struct evconnlistener *listener;
static struct event *beat_ev, *flush_ev;
static char pend[BATCH_BYTES];                 /* lines of this loop turn */
static size_t plen;
static int plines;
static struct batch *retry_head, *retry_tail;  /* calls Redis failed */
static struct {
	int live;                                  /* links from the cell now */
	int seen;                                  /* ever */
} *from;                                       /* from[cell-1] */

/* Queue b to be called again, after the calls queued before it. */
static void
retry_push(struct batch *b)
{
	b->next = NULL;
	if (retry_tail)
		retry_tail->next = b;
	else
		retry_head = b;
	retry_tail = b;
}

static void
on_peer_reply(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;
	struct batch *b = priv;

	(void)c;
	redis_reply_seen(rep, 1);
	if (redis_fault(rep) >= 0) {
		/* Not applied, or maybe applied (the connection went away):
		 * cs_peer is idempotent, so it is called again. */
		retry_push(b);
		return;
	}
	free(b);
	if (rep->type == REDIS_REPLY_ERROR)
		logmsg(1, "cs_peer: %s", rep->str);
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 4)
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
	if (p->cell != 0 && --from[p->cell - 1].live == 0)
		logmsg(1, "peer %s (cell %lld): no link from it", inv.host[p->cell - 1].name, p->cell);
	if (p->prev)
		p->prev->next = p->next;
	else
		pins = p->next;
	if (p->next)
		p->next->prev = p->prev;
	bufferevent_free(p->bev);
	free(p);
}

/* The arguments of one cs_peer call: FCALL cs_peer 0 lo hi window, then
 * up to 6 per line. */
static const char *argv[6 + PEER_BATCH * 6];
static size_t      alen[6 + PEER_BATCH * 6];
static int         argc, items;

/* Parse the complete lines at buf (len bytes, up to PEER_BATCH good ones)
 * into argv; bad lines are counted (unless again: seen before) and
 * skipped. Returns the bytes of the lines taken, 0 when buf holds no
 * complete line. O(len). */
static size_t
batch_parse(const char *buf, size_t len, int again)
{
	/* pct_decode needs room for the encoded length (up to 3 KiB) */
	static char bodies[PEER_BATCH][3 * MSG_BODY_MAX];
	static char lo[24], hi[24], win[24];
	size_t off = 0;
	int i;

	snprintf(lo, sizeof lo, "%lld", self->lo);
	snprintf(hi, sizeof hi, "%lld", self->hi);
	snprintf(win, sizeof win, "%lld", cfg.window);
	argv[0] = "FCALL"; alen[0] = 5;
	argv[1] = "cs_peer"; alen[1] = 7;
	argv[2] = "0"; alen[2] = 1;
	argv[3] = lo; alen[3] = strlen(lo);
	argv[4] = hi; alen[4] = strlen(hi);
	argv[5] = win; alen[5] = strlen(win);
	argc = 6;
	items = 0;
	while (items < PEER_BATCH) {
		const char *ls = buf + off, *nl = memchr(ls, '\n', len - off);
		struct peerline pl;

		if (nl == NULL)
			break;
		off = (size_t)(nl - buf) + 1;
		if (peerline_parse(&pl, ls, (size_t)(nl - ls), inv.users, bodies[items]) != NULL) {
			if (!again) {
				st.peer_bad++;
				logmsg(2, "peer: bad line ignored: \"%.*s\"",
				    (int)(nl - ls > 60 ? 60 : nl - ls), ls);
			}
			continue;
		}
		for (i = 0; i < pl.nf; i++) {
			argv[argc] = pl.f[i];
			alen[argc++] = pl.fl[i];
		}
		items++;
	}
	return off;
}

/* Call cs_peer again for the lines of b, a call Redis failed. Returns 0,
 * or -1 when Redis cannot take it (b is not consumed). */
static int
batch_again(struct batch *b)
{
	batch_parse(b->line, b->len, 1);
	if (redis_call(on_peer_reply, b, argc, argv, alen) < 0)
		return -1;
	inflight++;
	st.peer_retried++;
	return 0;
}

/* The lines gathered this loop turn (pend) as one cs_peer call; when
 * Redis cannot take it, it waits in the retry queue, which pauses the
 * links until pins_resume calls it again. */
static void
flush_pins(evutil_socket_t fd, short what, void *arg)
{
	struct batch *b;

	(void)fd; (void)what; (void)arg;
	if (plen == 0)
		return;
	batch_parse(pend, plen, 0);
	if (items > 0) {
		b = emalloc(sizeof *b + plen);
		b->len = plen;
		memcpy(b->line, pend, plen);
		st.peer_in += (unsigned long long)items;
		if (redis_call(on_peer_reply, b, argc, argv, alen) < 0)
			retry_push(b);
		else
			inflight++;
	}
	plen = 0;
	plines = 0;
}

/* Move the complete lines of in to pend, as long as there are lines and
 * Redis takes calls; pend goes to Redis at the end of the loop turn, or
 * at once when it is full. */
static void
pin_read(struct bufferevent *bev, void *arg)
{
	struct pin *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (p->cell != 0)
		peer_heard(p->cell);
	for (;;) {
		size_t avail = evbuffer_get_length(in), off = 0, take;
		const char *buf, *nl;
		int n = 0;

		if (avail == 0)
			return;
		if (!redis_ready || inflight >= cfg.max_inflight || retry_head != NULL) {
			bufferevent_disable(bev, EV_READ);
			p->paused = 1;
			return;
		}
		take = avail < sizeof pend - plen ? avail : sizeof pend - plen;
		buf = (const char *)evbuffer_pullup(in, (ev_ssize_t)take);
		while (plines + n < PEER_BATCH && (nl = memchr(buf + off, '\n', take - off)) != NULL) {
			off = (size_t)(nl - buf) + 1;
			n++;
		}
		if (off == 0) {
			if (plen > 0 && take < avail) {
				flush_pins(-1, 0, NULL);    /* no room left in pend */
				continue;
			}
			if (take >= PEERLINE_MAX) {
				logmsg(1, "peer: line too long, closing link");
				pin_close(p);
			}
			return;
		}
		if (plen == 0)
			event_active(flush_ev, 0, 0);
		memcpy(pend + plen, buf, off);
		plen += off;
		plines += n;
		evbuffer_drain(in, off);
		if (plines == PEER_BATCH)
			flush_pins(-1, 0, NULL);
	}
}

void
pins_resume(void)
{
	struct pin *p, *next;
	struct batch *b;

	while ((b = retry_head) != NULL && redis_ready && inflight < cfg.max_inflight) {
		if ((retry_head = b->next) == NULL)
			retry_tail = NULL;
		if (batch_again(b) < 0) {
			if ((b->next = retry_head) == NULL)
				retry_tail = b;
			retry_head = b;
			return;
		}
	}
	if (retry_head != NULL)
		return;
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

/* Every HEARTBEAT_MS: while Redis is ready, a newline on every link (it
 * reads them only to learn this cell takes lines) but those from a cell
 * this one wrote a line to in that time (peer_busy): the cell reads the
 * line as a heartbeat. At most a few are queued for a peer that does not
 * read. */
static void
heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct pin *p;

	(void)fd; (void)what; (void)arg;
	if (!redis_ready)
		return;
	for (p = pins; p != NULL; p = p->next)
		if ((p->cell == 0 || !peer_busy(p->cell)) &&
		    evbuffer_get_length(bufferevent_get_output(p->bev)) < 16) {
			bufferevent_write(p->bev, "\n", 1);
			if (p->cell != 0)
				peers[p->cell - 1].beats_out++;
		}
}

int
pin_missing(long long cell)
{
	return from[cell - 1].seen && from[cell - 1].live == 0;
}

static void
pin_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct pin *p = ecalloc(1, sizeof *p);
	char addr[INET_ADDRSTRLEN] = "";
	size_t i;

	(void)l; (void)salen; (void)arg;
	/* A cell's links leave from its address: the source says whose. */
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr);
	for (i = 0; i < inv.n; i++)
		if (&inv.host[i] != self && strcmp(inv.host[i].addr, addr) == 0) {
			p->cell = inv.host[i].cell;
			from[p->cell - 1].seen = 1;
			from[p->cell - 1].live++;
			break;
		}
	if (cs_sock_liveness(fd, cfg.link_timeout) < 0)
		logmsg(1, "peer link: keepalive: %s", strerror(errno));
	p->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL)
		errx(1, "bufferevent_socket_new failed");
	bufferevent_setcb(p->bev, pin_read, NULL, pin_event, p);
	bufferevent_setwatermark(p->bev, EV_READ, 0, 1 << 20);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	if (redis_ready)
		bufferevent_write(p->bev, "\n", 1);
	p->next = pins;
	if (pins)
		pins->prev = p;
	pins = p;
	logmsg(2, "peer connection accepted from %s (cell %lld)", addr, p->cell);
}

void
pin_listen(void)
{
	struct sockaddr_in sin;

	from = ecalloc(inv.n, sizeof *from);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(cfg.peer_port);
	if (inet_pton(AF_INET, cfg.addr, &sin.sin_addr) != 1)
		errx(1, "-a %s: not an IPv4 address", cfg.addr);
	beat_ev = event_new(base, -1, EV_PERSIST, heartbeat, NULL);
	if ((flush_ev = event_new(base, -1, 0, flush_pins, NULL)) == NULL)
		errx(1, "event_new failed");
	{
		struct timeval tv = { HEARTBEAT_MS / 1000, HEARTBEAT_MS % 1000 * 1000 };
		event_add(beat_ev, &tv);
	}
	listener = evconnlistener_new_bind(base, pin_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128, (struct sockaddr *)&sin, sizeof sin);
	if (listener == NULL)
		err(1, "cannot listen on %s:%d", cfg.addr, cfg.peer_port);
}

void
pin_stop(void)
{
	struct batch *b;

	flush_pins(-1, 0, NULL);
	event_free(flush_ev);
	while ((b = retry_head) != NULL) {
		retry_head = b->next;
		free(b);
	}
	while (pins != NULL)
		pin_close(pins);
	evconnlistener_free(listener);
	event_free(beat_ev);
	free(from);
}
