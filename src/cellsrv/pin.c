/* pin.c: cellsrv's incoming links, one from every other cell (peer.c
 * writes this cell's own). They are only read: complete lines, in batches
 * of up to PEER_BATCH, each batch one cs_peer call, whose reply is
 * forwarded in turn. A bad line is counted and skipped; a line too long
 * closes the link. Reading pauses while Redis is away or has
 * cfg.max_inflight calls in flight, and resumes when it has half as many. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <err.h>
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

#define PEER_BATCH  256                /* peer lines per FCALL */
#define BATCH_BYTES (PEER_BATCH * (size_t)PEERLINE_MAX) /* read at most */

/* An incoming link from another cell. */
struct pin {
	struct bufferevent *bev;
	struct pin         *prev, *next;
	int                 paused;   /* reading stopped: Redis saturated */
};

static struct pin *pins;
static struct evconnlistener *listener;

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

/* Parse complete lines of in (at most PEER_BATCH) into one cs_peer call,
 * as long as there are lines and Redis takes calls. */
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
		size_t avail = evbuffer_get_length(in), off = 0;
		size_t take = avail < BATCH_BYTES ? avail : BATCH_BYTES;
		int argc, items = 0, i;
		char *buf;

		if (avail == 0)
			return;
		if (!redis_ready || inflight >= cfg.max_inflight) {
			bufferevent_disable(bev, EV_READ);
			p->paused = 1;
			return;
		}
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
			char *ls = buf + off, *nl = memchr(ls, '\n', take - off);
			struct peerline pl;

			if (nl == NULL)
				break;
			off = (size_t)(nl - buf) + 1;
			if (peerline_parse(&pl, ls, (size_t)(nl - ls), inv.users, bodies[items]) != NULL) {
				st.peer_bad++;
				logmsg(2, "peer: bad line ignored: \"%.*s\"",
				    (int)(nl - ls > 60 ? 60 : nl - ls), ls);
				continue;
			}
			for (i = 0; i < pl.nf; i++) {
				argv[argc] = pl.f[i];
				len[argc++] = pl.fl[i];
			}
			items++;
		}
		if (off == 0) {
			if (take >= PEERLINE_MAX) {
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

void
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
	struct pin *p = ecalloc(1, sizeof *p);

	(void)l; (void)sa; (void)salen; (void)arg;
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

void
pin_listen(void)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(cfg.peer_port);
	if (inet_pton(AF_INET, cfg.addr, &sin.sin_addr) != 1)
		errx(1, "-a %s: not an IPv4 address", cfg.addr);
	listener = evconnlistener_new_bind(base, pin_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128, (struct sockaddr *)&sin, sizeof sin);
	if (listener == NULL)
		err(1, "cannot listen on %s:%d", cfg.addr, cfg.peer_port);
}

void
pin_stop(void)
{
	while (pins != NULL)
		pin_close(pins);
	evconnlistener_free(listener);
}
