/* peer.c: cellsrv's outgoing links, one TCP connection to every other cell,
 * which only this side writes (pin.c reads the other cells' links to this
 * one). Each leaves from the host's address, is connected at start and
 * reconnected after a backoff that doubles up to 2 s. A link is down when
 * its connect, or data or keepalive probes on it, go unanswered for
 * cfg.link_timeout ms (TCP_USER_TIMEOUT, keepalive, and the same timeout on
 * a write that cannot proceed), so a peer whose packets vanish is seen
 * within seconds; one whose heartbeats stopped leads to a peer that cannot
 * take lines now. forward() writes to the links what the Redis functions
 * return for other cells; a line for a link that is down or full is
 * dropped, and the client's re-send brings it back. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "cellsrv.h"
#include "clock.h"
#include "peerline.h"
#include "sockopt.h"

struct peer *peers;
static struct event *check_ev;

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

/* p's link is lost (why), or could not be made: try again later. */
static void
peer_down(struct peer *p, const char *why)
{
	struct timeval tv;

	if (p->up)
		logmsg(1, "peer %s (cell %lld) %s:%d down: %s", p->h->name, p->h->cell,
		    p->h->addr, cfg.peer_port, why);
	else
		logmsg(2, "peer %s (cell %lld) %s:%d: %s", p->h->name, p->h->cell,
		    p->h->addr, cfg.peer_port, why);
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

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		p->up = 1;
		p->acked = 0;
		p->acked_at = cs_now();
		/* A peer known to beat is silent from now until it beats on
		 * this link (a frozen one still accepts connections). */
		p->heard = p->beats ? cs_now() : 0;
		p->connects++;
		p->backoff = 50;
		logmsg(1, "peer %s (cell %lld) %s:%d up", p->h->name, p->h->cell,
		    p->h->addr, cfg.peer_port);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		peer_down(p, p->up ? "no write for the link timeout" : "connect timed out");
	else if (what & BEV_EVENT_EOF)
		peer_down(p, "closed by the peer");
	else if (what & BEV_EVENT_ERROR)
		peer_down(p, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* The other side writes only heartbeats: anything read is one, and
 * discarded. */
static void
peer_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct peer *p = arg;

	p->heard = cs_now();
	p->beats = 1;
	evbuffer_drain(in, evbuffer_get_length(in));
}

/* Connect p from the host's address (bound before connect), with the
 * link's liveness options set; a connect or a write that makes no
 * progress for cfg.link_timeout ms ends in BEV_EVENT_TIMEOUT. */
static void
peer_connect(struct peer *p)
{
	struct timeval tv = { cfg.link_timeout / 1000, cfg.link_timeout % 1000 * 1000 };
	struct sockaddr_in sin;
	int fd, one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(cfg.peer_port);
	inet_pton(AF_INET, p->h->addr, &sin.sin_addr);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		err(1, "socket");
	if (cs_bind_source(fd, cfg.addr) < 0 || cs_sock_liveness(fd, cfg.link_timeout) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
		peer_down(p, strerror(errno));
		close(fd);
		return;
	}
	p->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL)
		errx(1, "bufferevent_socket_new failed");
	bufferevent_setcb(p->bev, peer_read, NULL, peer_event, p);
	bufferevent_set_timeouts(p->bev, NULL, &tv);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(p->bev, (struct sockaddr *)&sin, sizeof sin) < 0)
		peer_down(p, "connect failed");
}

/* Bytes queued on p's link. */
static long long
peer_queued(const struct peer *p)
{
	return (long long)evbuffer_get_length(bufferevent_get_output(p->bev));
}

long long
peer_blocked(long long uid, const char **why)
{
	struct peer *p = peer_of(uid);

	if (p == NULL)
		return 0;
	if (!p->up)
		*why = "peer link down";
	else if (peer_queued(p) >= cfg.peer_buf)
		*why = "peer link full";
	else if (pin_missing(p->h->cell))
		*why = "no link from the peer";
	else if (p->heard != 0 && cs_now() - p->heard > PEER_SILENT_MS / 1000.0)
		*why = "peer not ready";
	else
		return 0;
	return p->h->cell;
}

void
peer_heard(long long cell)
{
	struct peer *p = &peers[cell - 1];

	p->heard = cs_now();
	p->beats = 1;
}

int
peer_busy(long long cell)
{
	const struct peer *p = &peers[cell - 1];

	return p->up && cs_now() - p->wrote < HEARTBEAT_MS / 1000.0;
}

/* O(total item length). */
void
forward(redisReply **item, size_t n, double t)
{
	static char line[PEERLINE_MAX];
	struct peerline pl;
	struct peer *p;
	double now = 0;
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
		if (now == 0)
			now = cs_now();
		p->wrote = now;
		evbuffer_add(bufferevent_get_output(p->bev), line, peerline_format(line, &pl));
	}
}

/* Every HEARTBEAT_MS: a link with data pending and none acknowledged for
 * cfg.link_timeout ms is down. TCP_USER_TIMEOUT would see it too, but
 * only once nothing at all comes back: the peer's heartbeats on the same
 * connection still do when only this way is cut. */
static void
peer_check(evutil_socket_t fd, short what, void *arg)
{
	double t = cs_now();
	unsigned long long acked;
	int pending;
	size_t i;

	(void)fd; (void)what; (void)arg;
	for (i = 0; i < inv.n; i++) {
		struct peer *p = &peers[i];

		if (!p->up || cs_sock_acked(bufferevent_getfd(p->bev), &acked, &pending) < 0)
			continue;
		if (pending == 0 || acked != p->acked) {
			p->acked = acked;
			p->acked_at = t;
		} else if (t - p->acked_at >= cfg.link_timeout / 1000.0)
			peer_down(p, "nothing acknowledged for the link timeout");
	}
}

void
peer_start(void)
{
	struct timeval tv = { HEARTBEAT_MS / 1000, HEARTBEAT_MS % 1000 * 1000 };
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
	check_ev = event_new(base, -1, EV_PERSIST, peer_check, NULL);
	event_add(check_ev, &tv);
}

void
peer_stop(void)
{
	size_t i;

	event_free(check_ev);
	for (i = 0; i < inv.n; i++) {
		if (peers[i].bev != NULL)
			bufferevent_free(peers[i].bev);
		if (peers[i].retry != NULL)
			event_free(peers[i].retry);
	}
	free(peers);
}
