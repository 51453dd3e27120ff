/* peer.c: cellsrv's outgoing links, one TCP connection to every other cell,
 * which only this side writes (pin.c reads the other cells' links to this
 * one). Each is connected at start and reconnected after a backoff that
 * doubles up to 2 s. forward() writes to them what the Redis functions
 * return for other cells; a line for a link that is down or full is
 * dropped, and the client's re-send brings it back. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <err.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "cellsrv.h"
#include "peerline.h"

struct peer *peers;

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

/* Bytes queued on p's link. */
static long long
peer_queued(const struct peer *p)
{
	return (long long)evbuffer_get_length(bufferevent_get_output(p->bev));
}

int
peer_full(long long uid)
{
	struct peer *p = peer_of(uid);

	return p != NULL && p->up && peer_queued(p) >= cfg.peer_buf;
}

/* O(total item length). */
void
forward(redisReply **item, size_t n, double t)
{
	static char line[PEERLINE_MAX];
	struct peerline pl;
	struct peer *p;
	size_t i;

	for (i = 0; i < n; i++) {
		const redisReply *r = item[i];

		if (r->type != REDIS_REPLY_STRING)
			continue;
		if (peerline_item(&pl, r->str, r->len) != NULL) {
			logmsg(1, "redis: bad item ignored: \"%.*s\"", (int)(r->len > 60 ? 60 : r->len),
			    r->str);
			continue;
		}
		if (pl.type == 'D' && t > 0)
			lat_start(pl.from, pl.k, t);
		if (pl.type == 'a') {
			lat_end(pl.from, pl.k);
			continue;
		}
		if ((p = peer_of(pl.type == 'D' ? pl.to : pl.from)) == NULL)
			continue;
		if (!p->up || peer_queued(p) >= cfg.peer_buf) {
			p->drops++;
			continue;
		}
		p->lines++;
		evbuffer_add(bufferevent_get_output(p->bev), line, peerline_format(line, &pl));
	}
}

void
peer_start(void)
{
	size_t i;

	peers = ecalloc(inv.n, sizeof *peers);
	for (i = 0; i < inv.n; i++) {
		peers[i].h = &inv.host[i];
		peers[i].backoff = 50;
		if (&inv.host[i] == self)
			continue;
		peers[i].retry = evtimer_new(base, peer_retry_cb, &peers[i]);
		peer_connect(&peers[i]);
	}
}

void
peer_stop(void)
{
	size_t i;

	for (i = 0; i < inv.n; i++) {
		if (peers[i].bev != NULL)
			bufferevent_free(peers[i].bev);
		if (peers[i].retry != NULL)
			event_free(peers[i].retry);
	}
	free(peers);
}
