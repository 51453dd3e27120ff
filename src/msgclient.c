/* msgclient: the load client of one cell. Plays users lo..hi of the cell
 * against the cell's cellsrv, as the seed's client did: fetch each user's
 * friends and counters, send msgs messages to every friend in the user's
 * shuffled plan order (plan.h), re-send what is above SendAckId and not
 * known acked when acks stall, then wait until the user has received all it
 * must. All state that matters is on the server: a killed msgclient started
 * again carries on from the users' counters, and a restarted cellsrv is
 * survived by backing off and reconnecting.
 *
 * One thread, one libevent loop; C keep-alive HTTP/1.1 connections (evhttp
 * client, leaving from the cell's own address), one request in flight on
 * each. Every user has at most one request in flight, so its messages reach
 * the server in id order and nothing is parked there in the normal case.
 * Users begin (are fetched) in uid order, the next one only when a
 * connection is free and no user already begun is ready to act: the
 * client works on as few users as keep its connections busy, so at 1M
 * users what a message touches is still in the cache (docs/rationale.md).
 * Users ready to act wait in a FIFO; users waiting for acks sleep and poll
 * GET /api/user/U, in one FIFO per poll pause (the pause doubles while
 * polls bring no ack; a constant delay per FIFO keeps each sorted by wake
 * time). A user whose messages are all acked waits only for what its
 * friends send it: while other users here still send, it sleeps for half
 * the time its receive rate says it still needs (a heap by wake time), but
 * long enough that such polls are at most one request in POLL_SHARE, so
 * they take little from the senders; when none is left, they poll
 * about END_POLLS a second in all (each pause from -P to WAIT_END),
 * spread so that they do not poll at once (the cell still applies the
 * other cells' messages, which polls would slow); when nothing has moved
 * for half of -t, every waiting user polls at once. A message to a cell
 * that cellsrv said it cannot reach is deferred and the next ones go on
 * (the server parks them until it is in); a user with nothing else to
 * send waits in that cell's FIFO, and one user at a time tries the cell
 * again after Retry-After. */
#include <sys/resource.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "build-id.h"
#include "clock.h"
#include "ealloc.h"
#include "fshut.h"
#include "inventory.h"
#include "keys.h"
#include "metricsd.h"
#include "num.h"
#include "opt.h"
#include "plan.h"
#include "procfs.h"
#include "promout.h"
#include "sockopt.h"

#define FRIENDS_MAX 100000      /* friends accepted in a GET user answer */
#define RESEND_MAX  30.0        /* s: longest pause between fruitless re-send rounds */
#define RESEND_SLICE 16         /* re-sends before the counters are read again */
#define POLL_LEVELS 3           /* poll pauses: -P, doubled up to twice */
#define POLL_QUIET  4           /* polls with nothing new before the pause doubles */
#define WAIT_MAX    3600.0      /* s: longest sleep of a user waiting only for receives */
#define WAIT_END    10.0        /* s: that longest sleep once no user of this client sends */
#define END_POLLS   2000.0      /* polls a second of those users, at most, from then on */
#define POLL_SHARE  64.0        /* while others send: their polls, one request in this many at most */
/* ms between two looks at the sleeping users. Polls are -P (500 ms) apart,
 * so 50 ms late is nothing to them, while each tick wakes the process: at
 * 40 hosts on 2 cores, 40 clients ticking every 10 ms were 4,000 wakeups a
 * second. */
#define TICK_MS     50
#define GATE_MS     20          /* ms between two looks at the -g file and the clock */

static struct config {
	const char *inventory;
	long long   cell;
	long long   msgs;         /* -m: messages to every friend */
	long long   conns;        /* -C: HTTP connections */
	uint64_t    seed;         /* -S: plan seed */
	const char *addr;         /* -a: cellsrv address (default: inventory) */
	int         port;         /* -p: cellsrv HTTP port */
	long long   window;       /* -w: unacked messages per user */
	double      resend;       /* -r: s without ack progress before a re-send round (doubling) */
	double      poll;         /* -P: seconds between polls of a waiting user */
	double      stall;        /* -t: give up after this long without progress */
	double      req_timeout;  /* -T: seconds for one request */
	int         quiet;        /* -q: no progress lines */
	int         mport;        /* -M: its /metrics port on the host's address, 0 = none */
	const char *gate;         /* -g: no request before this file's time */
} cfg;

/* What cfg starts as, and what usage() shows. */
static const struct config defaults = {
	.msgs = 5,
	/* 64, not 16: more SENDs arrive together, so cellsrv's batches
	 * (cs_sendv) grow and each process wakes for more work. bench-core
	 * 36,000 -> 41,000-45,000 msgs/s, bench-hosts at 40 hosts 14,900 ->
	 * 18,000 (docs/performance.md). */
	.conns = 64,
	.seed = 1,
	.port = PORT_HTTP,
	.window = 128,
	/* 10 s, not 3: at 40 hosts on 2 cores an ack can take more than 3 s
	 * to come back without anything being lost; with 3 s, 30% of the
	 * messages of bench-pipeline were re-sent for nothing (352,400 of
	 * 1,192,364), with 10 s 0.1%. A message really lost (cellsrv killed)
	 * is re-sent 10 s later. */
	.resend = 10,
	.poll = 0.5,
	/* Not a limit on the run: a healthy run of any length goes on. Only
	 * a run where nothing is sent, acked or received for this long ends,
	 * saying what it waits for. */
	.stall = 300,
	.req_timeout = 10,
	.mport = PORT_CLIENT,
};

enum { U_FETCH, U_SEND, U_DONE, U_FAILED };

struct user {
	long long    uid;
	int          state;
	long long   *fr;          /* sorted friends */
	struct slot *plan;        /* plan[k-1] = message k */
	long long    n;           /* friends * msgs: to send and to receive */
	long long    send_id, ack_id, recv_id;  /* last seen on the server */
	long long    next;        /* next new message id to send */
	long long    cursor;      /* next id of a re-send round, 0 = none */
	double       progress;    /* last time ack_id moved or a round began */
	double       seen;        /* last time its counters were read */
	double       rs;          /* re-send after this long without progress */
	long long   *acked;       /* ids above ack_id acked (server's "Acked"), ascending */
	size_t       nacked;
	long long   *defer;       /* ids below next not yet sent: their cell was */
	size_t       ndefer;      /* not reachable; ascending */
	int          slice;       /* re-sends in this slice of the round */
	long long    mark;        /* acks known when the slice began */
	int          fresh;       /* the answer just taken was the counters */
	int          quiet;       /* polls in a row that showed nothing new */
	int          plevel;      /* poll pause: cfg.poll << plevel */
	long long    probe;       /* trying this cell for its waiting users */
	double       wake;        /* sleeping until */
	int          poll;        /* woke up: fetch the counters first */
	int          allacked;    /* all its messages acked (or it finished) */
	double       t0;          /* fetched at, with r0 received then: */
	long long    r0;          /* its receive rate since */
	struct user *link;        /* ready, sleep or cell FIFO */
};

struct fifo {
	struct user *head, *tail;
};

enum { R_USER, R_SEND, R_INBOX };
enum { S_NEW, S_RESEND, S_DEFER };       /* a SEND of next, of a sent id, of a deferred one */

struct conn {
	struct evhttp_connection *evcon;
	struct user  *u;          /* request in flight for u, or NULL */
	int           kind;
	long long     k;          /* message id of a SEND */
	long long     cell;       /* the cell of its receiver */
	int           how;        /* that SEND: S_NEW, S_RESEND, S_DEFER */
	int           backoff;    /* ms, after a connection error */
	struct event *timer;      /* pause (back off, Retry-After) */
	int           paused;
	struct conn  *link;       /* idle list */
};

static struct event_base *base;
static struct inventory   inv;
static const struct host *self;
static struct user       *users;
static long long          nusers;
static struct conn       *conns;
static struct conn       *idle;
static struct fifo        ready, sleeping[POLL_LEVELS];
static struct {                                 /* users waiting only for receives, */
	struct user **u;                        /* a binary min-heap by wake */
	size_t        n, cap;
} waiting;
static uint32_t          *scratch;
static size_t             scratch_cap;
static char               hosthdr[96];
static double             t_start;
static struct event      *gate_ev;              /* -g: looks for the file */
static int                gated;                /* -g: not released yet */
static double             gate_at = -1;         /* -g: the release time, once read */
/* users[0..begun-1] have begun (fetched, or their fetch under way); pump
 * begins the next only when no begun user is ready to act. */
static long long          begun;

/* Per cell of the inventory: is it closed, a SEND to one of its users
 * answered 503 by cellsrv because it cannot reach the cell? Then only one
 * user at a time tries it, after Retry-After, until one SEND gets
 * through. */
static struct cellwait {
	int         closed;
	double      until;        /* the next try not before */
	double      reopened;     /* when a SEND last got through after it was closed */
	int         probing;      /* one user is trying it */
	struct fifo wait;         /* users with nothing to send but to it */
} *cellw;

static struct {
	long long done, failed;
	long long expected;                     /* messages of the users fetched, in all */
	long long sending;                      /* users with messages not yet acked */
	long long sent, acked, received;        /* sums of the users' counters */
	long long sent0;                        /* sent when the run began */
	long long retries, requests, errors, http503, http4xx;
	int       timed_out;
	long long moved;                        /* sent+acked+received+done+failed at last move */
	double    t_moved, t_answer;            /* last progress, last 200 */
	char      last_error[96];               /* last connection error or 5xx */
} st;

/* The stall diagnosis: the inboxes of a sample of incomplete users, read
 * when the run has stalled, tell whose messages are missing. */
#define DIAG_USERS 1000
static struct {
	int        active;
	long long  next, asked, answered;       /* index into users; requests */
	long long *missing;                     /* per cell: messages not received */
	long long *unacked;                     /* per cell: sent, not acked */
} diag;

static void
push(struct fifo *q, struct user *u)
{
	u->link = NULL;
	if (q->tail)
		q->tail->link = u;
	else
		q->head = u;
	q->tail = u;
}

/* A user just fetched goes first: it sends at once. */
static void
push_front(struct fifo *q, struct user *u)
{
	u->link = q->head;
	q->head = u;
	if (q->tail == NULL)
		q->tail = u;
}

static struct user *
pop(struct fifo *q)
{
	struct user *u = q->head;

	if (u != NULL) {
		q->head = u->link;
		if (q->head == NULL)
			q->tail = NULL;
		u->link = NULL;
	}
	return u;
}

static void waiting_end(void);

/* u has nothing more to send: once no user here does, the users waiting
 * for receives sleep at most end_pause(). */
static void
all_acked(struct user *u)
{
	if (u->allacked)
		return;
	u->allacked = 1;
	if (--st.sending == 0)
		waiting_end();
}

/* Take the counters the server reported for u. */
static void
update(struct user *u, long long s, long long a, long long r, double t)
{
	st.sent += s - u->send_id;
	st.acked += a - u->ack_id;
	st.received += r - u->recv_id;
	if (a > u->ack_id) {
		u->progress = t;
		u->rs = cfg.resend;
	}
	u->seen = t;
	u->send_id = s;
	u->ack_id = a;
	u->recv_id = r;
	if (u->state == U_SEND && a >= u->n)
		all_acked(u);
}

/* u's request is answered: if it was trying a cell, it no longer is. */
static void
probe_end(struct user *u)
{
	if (u->probe != 0)
		cellw[u->probe - 1].probing = 0;
	u->probe = 0;
}

static void
finish(struct user *u, int state)
{
	probe_end(u);
	all_acked(u);
	u->state = state;
	if (state == U_DONE)
		st.done++;
	else
		st.failed++;
	free(u->fr);
	free(u->plan);
	free(u->acked);
	free(u->defer);
	u->fr = NULL;
	u->plan = NULL;
	u->acked = NULL;
	u->defer = NULL;
	u->nacked = u->ndefer = 0;
	if (st.done + st.failed == nusers)
		event_base_loopexit(base, NULL);
}

static void
fail(struct user *u, const char *fmt, const char *what)
{
	warnx("user %lld: %s%s", u->uid, fmt, what ? what : "");
	finish(u, U_FAILED);
}

/* A sleeping user's pause is over: it reads its counters first. */
static void
wake_user(struct user *u)
{
	u->poll = 1;
	push(&ready, u);
}

static void
waiting_push(struct user *u)
{
	size_t i, p;

	if (waiting.n == waiting.cap) {
		waiting.cap = waiting.cap ? waiting.cap * 2 : 1024;
		waiting.u = ereallocarray(waiting.u, waiting.cap, sizeof *waiting.u);
	}
	for (i = waiting.n++; i > 0 && waiting.u[p = (i - 1) / 2]->wake > u->wake; i = p)
		waiting.u[i] = waiting.u[p];
	waiting.u[i] = u;
}

/* Move the user at i down the heap to its place. */
static void
waiting_sift(size_t i)
{
	struct user *u = waiting.u[i];
	size_t c;

	while ((c = 2 * i + 1) < waiting.n) {
		if (c + 1 < waiting.n && waiting.u[c + 1]->wake < waiting.u[c]->wake)
			c++;
		if (u->wake <= waiting.u[c]->wake)
			break;
		waiting.u[i] = waiting.u[c];
		i = c;
	}
	waiting.u[i] = u;
}

static struct user *
waiting_pop(void)
{
	struct user *top = waiting.u[0];

	waiting.u[0] = waiting.u[--waiting.n];
	if (waiting.n > 0)
		waiting_sift(0);
	return top;
}

/* Once no user here sends: the longest sleep of a user waiting for
 * receives, such that the waiting users poll END_POLLS a second in all;
 * from -P to WAIT_END. */
static double
end_pause(void)
{
	double p = (double)waiting.n / END_POLLS;

	return p < cfg.poll ? cfg.poll : p > WAIT_END ? WAIT_END : p;
}

/* No user here sends any more: a waiting user wakes within end_pause(),
 * the wakes spread over it (heap order is no order of uids or wakes),
 * then the heap is made again. */
static void
waiting_end(void)
{
	double t = cs_now(), h = end_pause();
	size_t i;

	for (i = 0; i < waiting.n; i++) {
		double w = t + h * (double)(i + 1) / (double)waiting.n;

		if (waiting.u[i]->wake > w)
			waiting.u[i]->wake = w;
	}
	for (i = waiting.n / 2; i-- > 0;)
		waiting_sift(i);
}

/* Wake the users waiting for receives: they poll now. */
static void
waiting_drain(void)
{
	while (waiting.n > 0)
		wake_user(waiting_pop());
}

/* How long u, all of its messages acked, sleeps before it polls for its
 * receives: half of what it still needs at its rate since it was fetched
 * (so the last polls come closer, and a rate that rises is caught), at
 * least -P, at most WAIT_MAX, or end_pause() once no user here sends; with
 * nothing received yet, half the time it has waited. */
static double
wait_pause(const struct user *u, double t)
{
	double dt = t - u->t0, p, max = WAIT_MAX;
	long long got = u->recv_id - u->r0;

	p = got > 0 ? (double)(u->n - u->recv_id) * dt / (double)got / 2 : dt / 2;
	if (st.sending == 0)
		max = end_pause();
	else if (st.requests > 0) {
		/* While others send, these polls take at most 1/POLL_SHARE of
		 * the requests: at the client's rate so far, waiting.n polls a
		 * pause. */
		double share = (double)waiting.n * POLL_SHARE * (t - t_start) / (double)st.requests;

		if (p < share)
			p = share;
	}
	return p < cfg.poll ? cfg.poll : p > max ? max : p;
}

static void
sleep_user(struct user *u, double t)
{
	if (u->allacked) {
		u->wake = t + wait_pause(u, t);
		waiting_push(u);
		return;
	}
	u->wake = t + cfg.poll * (1 << u->plevel);
	push(&sleeping[u->plevel], u);
}

static void pump(void);
static void on_response(struct evhttp_request *req, void *arg);

/* Pause c for ms milliseconds; it rejoins the idle list afterwards. */
static void
conn_pause(struct conn *c, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	c->paused = 1;
	evtimer_add(c->timer, &tv);
}

static void
conn_idle(struct conn *c)
{
	c->u = NULL;
	c->link = idle;
	idle = c;
}

static void
conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd; (void)what;
	c->paused = 0;
	conn_idle(c);
	pump();
}

/* Issue GET path on c for u. */
static void
request(struct conn *c, struct user *u, int kind, const char *path)
{
	struct evhttp_request *req = evhttp_request_new(on_response, c);

	if (req == NULL)
		errx(1, "evhttp_request_new failed");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", hosthdr);
	c->u = u;
	c->kind = kind;
	st.requests++;
	if (evhttp_make_request(c->evcon, req, EVHTTP_REQ_GET, path) != 0)
		errx(1, "evhttp_make_request failed");
}

/* The cell of uid (its friends may live in any cell). */
static long long
cell_of(long long uid)
{
	const struct host *h = inventory_owner(&inv, uid);

	return h ? h->cell : 0;
}

static void
send_msg(struct conn *c, struct user *u, long long k, int how)
{
	const struct slot *s = &u->plan[k - 1];
	long long f = u->fr[s->fi];
	char path[160];

	snprintf(path, sizeof path, "/api/c/%lld/%lld/%lld/?message=%lld-%lld-%u",
	    u->uid, f, k, u->uid, f, s->j);
	c->k = k;
	c->cell = cell_of(f);
	c->how = how;
	request(c, u, R_SEND, path);
}

/* The cell of the receiver of u's message k. */
static long long
cell_of_msg(const struct user *u, long long k)
{
	return cell_of(u->fr[u->plan[k - 1].fi]);
}

static int
cell_closed(long long cell)
{
	return cell != 0 && cellw[cell - 1].closed;
}

/* When a SEND to cell last got through after it was closed (0: never). */
static double
cell_reopened(long long cell)
{
	return cell != 0 ? cellw[cell - 1].reopened : 0;
}

/* May u send to cell? Not while it is closed, unless u tries it. */
static int
cell_open(const struct user *u, long long cell)
{
	return !cell_closed(cell) || u->probe == cell;
}

/* Is cell closed, and may a user try it now? */
static int
cell_due(long long cell, double t)
{
	return cell_closed(cell) && !cellw[cell - 1].probing && cellw[cell - 1].until <= t;
}

/* If cell is due, u is the one to try it. */
static int
cell_try(struct user *u, long long cell, double t)
{
	if (!cell_due(cell, t))
		return 0;
	cellw[cell - 1].probing = 1;
	u->probe = cell;
	return 1;
}

/* Is k in u's known-acked ids? O(log nacked). */
static int
known_acked(const struct user *u, long long k)
{
	size_t a = 0, b = u->nacked;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (u->acked[m] == k)
			return 1;
		if (u->acked[m] < k)
			a = m + 1;
		else
			b = m;
	}
	return 0;
}

/* Acks u is known to have: SendAckId and the acked ids above it. */
static long long
acks_known(const struct user *u)
{
	long long n = u->ack_id;
	size_t i;

	for (i = 0; i < u->nacked; i++)
		n += u->acked[i] > u->ack_id;
	return n;
}

/* The next id of u's re-send round from its cursor: above SendAckId, at
 * most SendId (one above was parked by the server, not forwarded: sending
 * it again does nothing), not known acked, to a cell it may send to or
 * try; 0 when there is none. */
static long long
resend_next(const struct user *u, double t)
{
	long long k = u->cursor > u->ack_id ? u->cursor : u->ack_id + 1, cell;

	for (; k <= u->send_id && k < u->next; k++) {
		if (known_acked(u, k))
			continue;
		cell = cell_of_msg(u, k);
		if (cell_open(u, cell) || cell_due(cell, t))
			return k;
	}
	return 0;
}

/* Defer u's message k (its cell cannot be reached); O(ndefer). */
static void
defer_add(struct user *u, long long k)
{
	size_t i = u->ndefer;

	u->defer = ereallocarray(u->defer, u->ndefer + 1, sizeof *u->defer);
	while (i > 0 && u->defer[i - 1] > k) {
		u->defer[i] = u->defer[i - 1];
		i--;
	}
	u->defer[i] = k;
	u->ndefer++;
}

static void
defer_del(struct user *u, long long k)
{
	size_t i;

	for (i = 0; i < u->ndefer; i++)
		if (u->defer[i] == k) {
			memmove(u->defer + i, u->defer + i + 1, (u->ndefer - i - 1) * sizeof *u->defer);
			u->ndefer--;
			return;
		}
}

/* Give u its next step on c (u has no request in flight). Returns 0 when a request
 * went out, -1 when u went to sleep, waits for a cell or finished instead. */
static int
act(struct conn *c, struct user *u, double t)
{
	char path[96];
	long long k, cell;
	size_t i;
	int fresh = u->fresh;

	u->fresh = 0;
	if (diag.active) {
		snprintf(path, sizeof path, "/api/inbox/%lld?from=0&limit=%lld", u->uid, u->n);
		request(c, u, R_INBOX, path);
		return 0;
	}
	if (u->state == U_FETCH || u->poll) {
		u->poll = 0;
		snprintf(path, sizeof path, "/api/user/%lld", u->uid);
		request(c, u, R_USER, path);
		return 0;
	}
	if (u->ack_id >= u->n && u->recv_id >= u->n) {
		if (u->recv_id > u->n)
			fail(u, "received more messages than its friends sent", NULL);
		else
			finish(u, U_DONE);
		return -1;
	}
	/* A re-send round: the ids above SendAckId sent so far and not known
	 * acked, oldest first, in slices of RESEND_SLICE; a slice follows
	 * another only when the counters read after it show more acks. Each
	 * slice starts from counters just read, so what was acked meanwhile
	 * is not sent again. None while all there is to re-send goes to
	 * closed cells, until one may be tried; a round that begins with
	 * trying a closed cell has not failed, so its pause does not double.
	 * When the cell of the oldest id not acked opens again, a round
	 * begins at once. The stall is what the counters showed when last
	 * read, counted from the last ack or from a SEND made with all below
	 * it acked: with 250,000 users a user's turn comes once a minute, and
	 * counting from the last ack alone read the counters again before the
	 * SEND after every message to another cell (1.34 requests a message). */
	if ((u->cursor == 0 && u->ack_id < u->next - 1 && (u->seen - u->progress >= u->rs ||
	    (u->ack_id < u->send_id && cell_reopened(cell_of_msg(u, u->ack_id + 1)) >
	    u->progress)) && (k = resend_next(u, t)) != 0) ||
	    (u->cursor != 0 && u->slice >= RESEND_SLICE)) {
		if (!fresh) {
			u->poll = 1;
			return act(c, u, t);
		}
		if (u->cursor == 0) {
			u->cursor = u->ack_id + 1;
			u->progress = t;
			if (!cell_closed(cell_of_msg(u, k)))
				u->rs = u->rs * 2 > RESEND_MAX ? RESEND_MAX : u->rs * 2;
			u->slice = 0;
			u->mark = acks_known(u);
		} else if (acks_known(u) > u->mark) {
			u->slice = 0;
			u->mark = acks_known(u);
		} else
			u->cursor = 0;
	}
	if (u->cursor != 0 && u->slice < RESEND_SLICE) {
		if ((k = resend_next(u, t)) != 0) {
			cell_try(u, cell_of_msg(u, k), t);
			u->cursor = k;
			u->slice++;
			send_msg(c, u, k, S_RESEND);
			return 0;
		}
		u->cursor = 0;
	}
	/* New messages, the deferred ones first; one to a cell that cannot be
	 * reached is deferred, and the next sent meanwhile: the server parks
	 * it until the ids below are in, and nothing leaves out of order. */
	for (i = 0; i < u->ndefer; i++) {
		cell = cell_of_msg(u, u->defer[i]);
		if (cell_open(u, cell) || cell_try(u, cell, t)) {
			send_msg(c, u, u->defer[i], S_DEFER);
			return 0;
		}
	}
	while (u->next <= u->n && u->next <= u->ack_id + cfg.window) {
		cell = cell_of_msg(u, u->next);
		if (cell_open(u, cell) || cell_try(u, cell, t)) {
			send_msg(c, u, u->next, S_NEW);
			return 0;
		}
		defer_add(u, u->next++);
	}
	if (u->ndefer > 0 && u->ack_id == u->send_id) {
		/* Nothing but what waits for a cell (all it sent is acked): wait
		 * with its users. */
		cell = cell_of_msg(u, u->defer[0]);
		push(&cellw[cell - 1].wait, u);
		return -1;
	}
	sleep_user(u, t);
	return -1;
}

/* Start requests on idle connections while users are ready. */
static void
pump(void)
{
	double t = cs_now();

	if (gated)
		return;
	while (idle != NULL) {
		struct conn *c = idle;
		struct user *u = pop(&ready);

		if (u == NULL) {
			if (diag.active || begun == nusers)
				break;
			u = &users[begun++];
		}
		idle = c->link;
		if (act(c, u, t) < 0) {
			c->link = idle;
			idle = c;
		}
	}
}

/* The user record's "Acked" (absent from an older cellsrv): the ids above
 * SendAckId a that are acked, ascending, none above SendId s. */
static int
take_acked(struct user *u, json_t *ja, long long a, long long s)
{
	json_t *v;
	size_t i, n = json_array_size(ja);

	if (ja != NULL && !json_is_array(ja))
		return -1;
	if (n > u->nacked)
		u->acked = ereallocarray(u->acked, n, sizeof *u->acked);
	u->nacked = 0;
	json_array_foreach(ja, i, v) {
		json_int_t k = json_integer_value(v);
		if (!json_is_integer(v) || k <= a || k > s || (i > 0 && k <= u->acked[i - 1]))
			return -1;
		u->acked[u->nacked++] = k;
	}
	return 0;
}

/* The user's answer: friends and counters. 0 or -1 with *why set. */
static int
take_user(struct user *u, json_t *j, double t, const char **why)
{
	json_t *fa = json_object_get(j, "friends"), *v;
	json_int_t s, a, r, id;
	size_t i, nf;

	if (json_unpack(j, "{s:I,s:I,s:I,s:I}", "UserId", &id, "SendId", &s, "SendAckId", &a,
	    "ReceiveId", &r) != 0 || !json_is_array(fa) || id != u->uid) {
		*why = "malformed user record";
		return -1;
	}
	if (take_acked(u, json_object_get(j, "Acked"), a, s) < 0) {
		*why = "malformed Acked ids";
		return -1;
	}
	if (u->state == U_FETCH) {
		nf = json_array_size(fa);
		if (nf > FRIENDS_MAX) {
			*why = "too many friends";
			return -1;
		}
		u->fr = ecalloc(nf + 1, sizeof *u->fr);
		u->plan = ecalloc(nf * (size_t)cfg.msgs + 1, sizeof *u->plan);
		json_array_foreach(fa, i, v) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    (i > 0 && json_integer_value(v) <= u->fr[i - 1])) {
				*why = "friends not ascending positive numbers";
				return -1;
			}
			u->fr[i] = json_integer_value(v);
		}
		if (nf > scratch_cap) {
			scratch_cap = nf * 2;
			scratch = ereallocarray(scratch, scratch_cap, sizeof *scratch);
		}
		plan_build(cfg.seed, u->uid, nf, (uint32_t)cfg.msgs, u->plan, scratch);
		u->n = (long long)nf * cfg.msgs;
		st.expected += u->n;
		if (s > u->n || a > s) {
			*why = "SendId above the plan (another -m?)";
			return -1;
		}
		u->state = U_SEND;
		u->t0 = t;
		u->r0 = r;
		u->next = s + 1;
		st.sent0 += s;
		u->rs = cfg.resend;
		u->progress = t;
	} else if (a == u->ack_id) {
		/* No ack (what frees its window, or ends its re-sends; receives
		 * only count once all are in): poll less often, after POLL_QUIET
		 * such polls at each pause. */
		if (++u->quiet % POLL_QUIET == 0 && u->plevel < POLL_LEVELS - 1)
			u->plevel++;
	} else
		u->plevel = u->quiet = 0;
	u->fresh = 1;
	update(u, s, a, r, t);
	return 0;
}

static int
take_send(struct user *u, json_t *j, double t)
{
	json_int_t s, a, r, id;

	if (json_unpack(j, "{s:I,s:I,s:I,s:I}", "UserId", &id, "SendId", &s, "SendAckId", &a,
	    "ReceiveId", &r) != 0 || id != u->uid || s > u->n || a > s)
		return -1;
	update(u, s, a, r, t);
	return 0;
}

/* Seconds of a Retry-After header (1 when absent or odd, at most 60). */
static int
retry_after(struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Retry-After");
	const char *errstr;
	long long v;

	if (h == NULL)
		return 1;
	v = cs_strtonum(h, 0, 60, &errstr);
	return errstr ? 1 : (int)v;
}

/* An inbox answer of the stall diagnosis: count u's messages per friend;
 * what a friend has not yet delivered is missing from the friend's cell. */
static void
diag_take(struct user *u, struct evhttp_request *req, int code)
{
	long long *got, i;
	json_t *j = NULL, *e;
	size_t n;

	diag.answered++;
	if (code == 200 && u->fr != NULL) {
		struct evbuffer *b = evhttp_request_get_input_buffer(req);
		size_t len = evbuffer_get_length(b);
		long long nf = u->n / cfg.msgs;

		j = json_loadb((const char *)evbuffer_pullup(b, (ev_ssize_t)len), len, 0, NULL);
		if (json_is_array(j) && (got = calloc((size_t)nf + 1, sizeof *got)) != NULL) {
			json_array_foreach(j, n, e) {
				json_int_t f = json_integer_value(json_object_get(e, "from"));
				long long lo = 0, hi = nf - 1;

				while (lo <= hi) {  /* u->fr is sorted */
					long long mid = (lo + hi) / 2;
					if (u->fr[mid] == f) { got[mid]++; break; }
					if (u->fr[mid] < f) lo = mid + 1; else hi = mid - 1;
				}
			}
			for (i = 0; i < nf; i++)
				if (got[i] < cfg.msgs)
					diag.missing[cell_of(u->fr[i]) - 1] += cfg.msgs - got[i];
			free(got);
		}
		json_decref(j);
	}
	if (diag.answered == diag.asked)
		event_base_loopexit(base, NULL);
}

/* The run has stalled: count the messages waiting for acks per friend cell
 * (known here), then read the inboxes of up to DIAG_USERS incomplete users
 * to learn which cells have not delivered (answered in diag_take; the loop
 * ends when every answer is in, or after one request timeout more). */
static void
diag_start(void)
{
	struct timeval tv = { (time_t)cfg.req_timeout + 1, 0 };
	long long i, k;

	diag.missing = ecalloc(inv.n, sizeof *diag.missing);
	diag.unacked = ecalloc(inv.n, sizeof *diag.unacked);
	memset(&ready, 0, sizeof ready);
	memset(sleeping, 0, sizeof sleeping);
	waiting.n = 0;
	for (i = 0; i < (long long)inv.n; i++)
		memset(&cellw[i], 0, sizeof cellw[i]);
	for (i = 0; i < nusers; i++) {
		struct user *u = &users[i];

		if (u->state != U_SEND)
			continue;
		for (k = u->ack_id + 1; k <= u->send_id; k++)
			diag.unacked[cell_of(u->fr[u->plan[k - 1].fi]) - 1]++;
		if (u->recv_id < u->n && diag.asked < DIAG_USERS) {
			diag.asked++;
			push(&ready, u);
		}
	}
	if (diag.asked == 0 || cs_now() - st.t_answer >= cfg.stall) {
		event_base_loopexit(base, NULL);
		return;
	}
	diag.active = 1;
	event_base_loopexit(base, &tv);
	pump();
}

static char *
commas(char *buf, long long v)
{
	char d[24];
	int n = snprintf(d, sizeof d, "%lld", v), i, o = 0;

	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = d[i];
	}
	buf[o] = '\0';
	return buf;
}

/* "cells 2, 3 and 5" of the cells with count[cell-1] > 0 (at most 8 named). */
static void
cell_list(char *buf, size_t size, const long long *count)
{
	size_t i, shown = 0, total = 0, o;

	for (i = 0; i < inv.n; i++)
		total += count[i] > 0;
	o = (size_t)snprintf(buf, size, "cell%s", total == 1 ? "" : "s");
	for (i = 0; i < inv.n && o < size; i++) {
		if (count[i] <= 0)
			continue;
		if (shown == 8) {
			snprintf(buf + o, size - o, " and %zu more", total - shown);
			return;
		}
		o += (size_t)snprintf(buf + o, size - o, "%s %zu", shown == 0 ? "" :
		    shown + 1 == total ? " and" : ",", i + 1);
		shown++;
	}
}

/* The last words of a stalled run: what it waits for, and from whom. */
static void
diag_report(void)
{
	char a[32], b[32], cells[160];
	long long unacked = 0, missing = 0, unfetched = 0, incomplete = 0, i;

	for (i = 0; i < (long long)inv.n; i++) {
		unacked += diag.unacked[i];
		missing += diag.missing[i];
	}
	for (i = 0; i < nusers; i++) {
		unfetched += users[i].state == U_FETCH;
		incomplete += users[i].state == U_SEND && users[i].recv_id < users[i].n;
	}
	if (cs_now() - st.t_answer >= cfg.stall) {
		warnx("no progress for %.0f s: cellsrv %s:%d has not answered for %.0f s (%s): is it running?",
		    cfg.stall, cfg.addr, cfg.port, cs_now() - st.t_answer,
		    st.last_error[0] ? st.last_error : "no answer yet");
		return;
	}
	if (unfetched > 0)
		warnx("no progress for %.0f s: %s users not fetched from cellsrv %s:%d",
		    cfg.stall, commas(a, unfetched), cfg.addr, cfg.port);
	if (unacked > 0) {
		cell_list(cells, sizeof cells, diag.unacked);
		warnx("no progress for %.0f s: waiting for acks of %s messages from users of cell %lld "
		    "to users of %s: are those cells up and linked to cell %lld?",
		    cfg.stall, commas(a, unacked), self->cell, cells, self->cell);
	}
	if (missing > 0) {
		cell_list(cells, sizeof cells, diag.missing);
		warnx("no progress for %.0f s: waiting for %s messages to users of cell %lld from %s%s%s%s: "
		    "are their clients and cellsrv running?", cfg.stall, commas(a, missing), self->cell, cells,
		    incomplete > diag.asked ? " (in the inboxes of " : "",
		    incomplete > diag.asked ? commas(b, diag.asked) : "",
		    incomplete > diag.asked ? " incomplete users)" : "");
	}
	if (unfetched == 0 && unacked == 0 && missing == 0)
		warnx("no progress for %.0f s: %lld of %lld users not complete",
		    cfg.stall, nusers - st.done - st.failed, nusers);
}

/* The "cell" of a 503 answer: cellsrv cannot reach that cell (its link
 * there is down or full), so SENDs to it wait; 0 when the whole server is
 * unavailable. */
static long long
unreachable_cell(struct evhttp_request *req)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b);
	json_t *j = json_loadb((const char *)evbuffer_pullup(b, (ev_ssize_t)len), len, 0, NULL);
	json_int_t cell = json_integer_value(json_object_get(j, "cell"));

	json_decref(j);
	return cell >= 1 && cell <= (json_int_t)inv.n ? cell : 0;
}

/* A SEND to cell went through: its waiting users may send again. */
static void
cell_reached(long long cell)
{
	struct cellwait *w = &cellw[cell - 1];
	struct user *u;

	w->closed = 0;
	w->until = 0;
	w->reopened = cs_now();
	while ((u = pop(&w->wait)) != NULL)
		push(&ready, u);
}

static void
on_response(struct evhttp_request *req, void *arg)
{
	struct conn *c = arg;
	struct user *u = c->u;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	double t = cs_now();
	const char *why = NULL;
	json_t *j = NULL;
	long long cell;
	int fetch;

	if (code == 200)
		st.t_answer = t;
	if (diag.active) {
		if (c->kind == R_INBOX)
			diag_take(u, req, code);
		conn_idle(c);
		pump();
		return;
	}
	probe_end(u);
	fetch = c->kind == R_USER && u->state == U_FETCH;
	if (code == 200) {
		struct evbuffer *b = evhttp_request_get_input_buffer(req);
		size_t len = evbuffer_get_length(b);
		json_error_t je;

		j = json_loadb((const char *)evbuffer_pullup(b, (ev_ssize_t)len), len, 0, &je);
		if (j == NULL)
			why = "answer is not JSON";
		else if (c->kind == R_USER ? take_user(u, j, t, &why) : take_send(u, j, t))
			why = why ? why : "unexpected SEND answer";
		json_decref(j);
		if (why != NULL) {
			fail(u, why, NULL);
		} else {
			if (c->kind == R_SEND) {
				if (c->how == S_RESEND) {
					st.retries++;
					if (u->cursor == c->k)
						u->cursor++;
				} else if (c->how == S_DEFER)
					defer_del(u, c->k);
				else if (u->next == c->k)
					u->next++;
				/* All below it acked: the wait for an ack starts now,
				 * not when the ack before it came. */
				if (c->how == S_NEW && u->ack_id >= c->k - 1 && u->cursor == 0)
					u->progress = t;
				if (c->cell != 0 && cellw[c->cell - 1].closed)
					cell_reached(c->cell);
			}
			if (fetch)
				push_front(&ready, u);
			else
				push(&ready, u);
		}
		c->backoff = 0;
		conn_idle(c);
	} else if (code == 503 && c->kind == R_SEND && (cell = unreachable_cell(req)) != 0) {
		/* This cell only: its SENDs wait, the connection goes on. */
		st.http503++;
		snprintf(st.last_error, sizeof st.last_error, "HTTP 503 for cell %lld", cell);
		cellw[cell - 1].closed = 1;
		cellw[cell - 1].until = t + retry_after(req);
		if (c->how == S_NEW && u->next == c->k)
			defer_add(u, u->next++);
		push(&ready, u);
		conn_idle(c);
	} else if (code == 0 || code >= 500) {
		/* Connection refused or reset, timeout, overload: try again later. */
		int ms;

		if (code == 503) {
			st.http503++;
			ms = 1000 * retry_after(req);
			snprintf(st.last_error, sizeof st.last_error, "HTTP 503");
		} else {
			st.errors++;
			if (code)
				snprintf(st.last_error, sizeof st.last_error, "HTTP %d", code);
			else
				snprintf(st.last_error, sizeof st.last_error, "no connection or no answer");
			c->backoff = c->backoff ? (c->backoff * 2 > 2000 ? 2000 : c->backoff * 2) : 50;
			ms = c->backoff;
		}
		push(&ready, u);
		c->u = NULL;
		conn_pause(c, ms);
	} else {
		char what[200];
		struct evbuffer *b = evhttp_request_get_input_buffer(req);
		size_t len = evbuffer_get_length(b);

		st.http4xx++;
		if (len > 100)
			len = 100;
		if (c->kind == R_SEND)
			snprintf(what, sizeof what, "message %lld: HTTP %d %.*s", c->k, code, (int)len,
			    (const char *)evbuffer_pullup(b, (ev_ssize_t)len));
		else
			snprintf(what, sizeof what, "GET user: HTTP %d %.*s", code, (int)len,
			    (const char *)evbuffer_pullup(b, (ev_ssize_t)len));
		what[strcspn(what, "\n")] = '\0';
		fail(u, what, NULL);
		conn_idle(c);
	}
	pump();
}

/* Every TICK_MS: wake the users whose poll is due; where a cell's
 * Retry-After has passed, one of its waiting users tries it. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	double t = cs_now();
	size_t i;

	(void)fd; (void)what; (void)arg;
	for (i = 0; i < POLL_LEVELS; i++)
		while (sleeping[i].head != NULL && sleeping[i].head->wake <= t)
			wake_user(pop(&sleeping[i]));
	while (waiting.n > 0 && waiting.u[0]->wake <= t)
		wake_user(waiting_pop());
	for (i = 0; i < inv.n; i++) {
		struct cellwait *w = &cellw[i];

		if (w->wait.head != NULL && cell_try(w->wait.head, (long long)i + 1, t))
			push(&ready, pop(&w->wait));
	}
	pump();
}

static void
progress_line(void)
{
	printf("%lld %lld %lld %lld %lld %lld %lld\n", (long long)time(NULL), st.done, nusers,
	    st.sent, st.acked, st.received, st.retries);
}

/* -g: no request before the gate file exists and the time on its first
 * line (Unix seconds; none or empty: at once) has come: make run gives
 * every client one release time (docs/pipeline.md). The file is looked
 * for every GATE_MS and read once (cs-node go writes it whole, by rename);
 * /metrics answers meanwhile. Not there within -t, or a time more than -t
 * ahead: the run ends, saying so. */
static void
on_gate(evutil_socket_t fd, short what, void *arg)
{
	char line[64], *end;
	FILE *fp;

	(void)fd; (void)what; (void)arg;
	if (gate_at < 0) {
		if ((fp = fopen(cfg.gate, "r")) == NULL) {
			if (errno != ENOENT)
				err(1, "%s", cfg.gate);
			if (cs_now() - t_start >= cfg.stall) {
				warnx("not released: no %s after %.0f s (make run releases the clients once all "
				    "have started: run it again)", cfg.gate, cfg.stall);
				st.timed_out = 1;
				event_base_loopexit(base, NULL);
			}
			return;
		}
		gate_at = 0;
		if (fgets(line, sizeof line, fp) != NULL && line[strspn(line, " \t\r\n")] != '\0') {
			errno = 0;
			gate_at = strtod(line, &end);
			if (errno != 0 || end == line || end[strspn(end, " \t\r\n")] != '\0' || !(gate_at >= 0))
				errx(1, "%s: line 1: not a release time (Unix seconds): \"%.*s\"", cfg.gate,
				    (int)strcspn(line, "\r\n"), line);
		}
		fclose(fp);
		if (gate_at - cs_wall() > cfg.stall)
			errx(1, "%s: release time %.3f is %.0f s ahead of this host's clock, more than -t %.0f s: "
			    "are the clocks apart?", cfg.gate, gate_at, gate_at - cs_wall(), cfg.stall);
	}
	if (gate_at > cs_wall())
		return;
	event_del(gate_ev);
	gated = 0;
	t_start = st.t_moved = st.t_answer = cs_now();
	pump();
}

/* Every second: a progress line, and the stall watch: nothing sent, acked,
 * received or finished for -t seconds ends the run with a diagnosis. */
static void
on_progress(evutil_socket_t fd, short what, void *arg)
{
	long long m = st.sent0 + st.sent + st.acked + st.received + st.done + st.failed;
	double t = cs_now();

	(void)fd; (void)what; (void)arg;
	if (gated)
		return;
	if (!cfg.quiet)
		progress_line();
	if (m != st.moved) {
		st.moved = m;
		st.t_moved = t;
	} else {
		if (t - st.t_moved >= cfg.stall / 2)
			waiting_drain();        /* look before calling it a stall */
		if (t - st.t_moved >= cfg.stall && !st.timed_out) {
			st.timed_out = 1;
			diag_start();
		}
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what; (void)arg;
	warnx("signal %d: stopping", (int)sig);
	st.timed_out = 1;
	event_base_loopexit(base, NULL);
}

static double
optsec(int opt, const char *arg, long long max)
{
	return cs_optnum(opt, arg, 1, max * 1000) / 1000.0;
}

/* /metrics (metricsd, on PORT_CLIENT): what a monitor needs of the run
 * on this host, the server's counters as seen here and the client's own. */
static struct prom_self me;
static struct metricsd *md;

static void
metrics_fill(struct evbuffer *b, void *arg)
{
	struct rusage ru;
	char labels[256];
	double rss = procfs_rss("/proc", "self");

	(void)arg;
	getrusage(RUSAGE_SELF, &ru);
	prom_head(b, "cellstress_client_info", "gauge",
	    "Who answers: the client of the inventory's host and cell, its build, a random id of this process.");
	snprintf(labels, sizeof labels, "name=\"%s\",cell=\"%lld\",build=\"%s\",instance=\"%s\"",
	    self->name, self->cell, CS_BUILD, me.instance);
	prom_val(b, "cellstress_client_info", labels, 1);
	prom_one(b, "process_start_time_seconds", "gauge", "When msgclient started (Unix time).", me.start);
	prom_head(b, "msgclient_users", "gauge", "The cell's users: all, done, failed.");
	prom_val(b, "msgclient_users", "state=\"all\"", (double)nusers);
	prom_val(b, "msgclient_users", "state=\"done\"", (double)st.done);
	prom_val(b, "msgclient_users", "state=\"failed\"", (double)st.failed);
	prom_one(b, "msgclient_messages_expected", "gauge",
	    "Messages the users fetched so far send in all (friends x msgs).", (double)st.expected);
	prom_one(b, "msgclient_messages_sent", "gauge",
	    "SendId summed over the users fetched, as the server last said.", (double)(st.sent0 + st.sent));
	prom_one(b, "msgclient_messages_acked", "gauge",
	    "SendAckId summed over the users fetched: their messages done.", (double)st.acked);
	prom_one(b, "msgclient_messages_received", "gauge",
	    "ReceiveId summed over the users fetched.", (double)st.received);
	prom_one(b, "msgclient_resends_total", "counter", "Messages sent again.", (double)st.retries);
	prom_one(b, "msgclient_requests_total", "counter", "HTTP requests made to cellsrv.", (double)st.requests);
	prom_one(b, "msgclient_errors_total", "counter", "Requests without an answer, or answered 5xx but 503.",
	    (double)st.errors);
	prom_one(b, "msgclient_http_503_total", "counter", "Requests answered 503 (cellsrv or Redis busy).",
	    (double)st.http503);
	prom_one(b, "process_cpu_seconds_total", "counter", "CPU seconds of msgclient, user and system.",
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	if (rss >= 0)
		prom_one(b, "process_resident_memory_bytes", "gauge", "Resident memory of msgclient.", rss);
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: msgclient -i inventory -k cell [-m msgs=%lld] [-C connections=%lld] "
	    "[-S seed=%llu] [-a addr=inventory] [-p port=%d] [-w window=%lld] [-r resend_ms=%.0f] "
	    "[-P poll_ms=%.0f] [-T request_timeout_s=%.0f] [-t stall_s=%.0f] [-M metrics_port=%d] [-g gate_file] "
	    "[-q]\n",
	    defaults.msgs, defaults.conns, (unsigned long long)defaults.seed, defaults.port,
	    defaults.window, defaults.resend * 1000, defaults.poll * 1000,
	    defaults.req_timeout, defaults.stall, defaults.mport);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct event *tick, *prog, *sigterm, *sigint;
	struct timeval tv;
	struct event_config *evcfg;
	struct rusage ru;
	const char *src;
	long long i;
	double secs;
	int ch;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "a:C:g:hi:k:M:m:P:p:qr:S:T:t:w:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': cfg.addr = optarg; break;
		case 'C': cfg.conns = cs_optnum(ch, optarg, 1, 4096); break;
		case 'g': cfg.gate = optarg; break;
		case 'i': cfg.inventory = optarg; break;
		case 'k': cfg.cell = cs_optnum(ch, optarg, 1, 100000); break;
		case 'M': cfg.mport = (int)cs_optnum(ch, optarg, 0, 65535); break;
		case 'm': cfg.msgs = cs_optnum(ch, optarg, 1, 100000); break;
		case 'P': cfg.poll = optsec(ch, optarg, 60); break;
		case 'p': cfg.port = (int)cs_optnum(ch, optarg, 1, 65535); break;
		case 'q': cfg.quiet = 1; break;
		case 'r': cfg.resend = optsec(ch, optarg, 3600); break;
		case 'S': cfg.seed = (uint64_t)cs_optnum(ch, optarg, 0, INT64_MAX); break;
		case 'T': cfg.req_timeout = (double)cs_optnum(ch, optarg, 1, 3600); break;
		case 't': cfg.stall = (double)cs_optnum(ch, optarg, 1, 7 * 86400); break;
		case 'w': cfg.window = cs_optnum(ch, optarg, 1, 1 << 20); break;
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
	snprintf(hosthdr, sizeof hosthdr, "%s:%d", cfg.addr, cfg.port);
	/* Leave from the cell's own address, as its cellsrv does, when this
	 * machine has it (not when run from elsewhere with -a). */
	src = cs_addr_local(self->addr) ? self->addr : NULL;
	cellw = ecalloc(inv.n, sizeof *cellw);

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The changelist folds each loop turn's epoll_ctl calls into one per
	 * fd (every request re-arms its connection: epoll_ctl was 4% of the
	 * profile). Unsafe only with dup()ed fds, which evhttp never makes. */
	if ((evcfg = event_config_new()) == NULL)
		errx(1, "event_config_new failed");
	event_config_set_flag(evcfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	if ((base = event_base_new_with_config(evcfg)) == NULL)
		errx(1, "event_base_new failed");
	event_config_free(evcfg);
	nusers = st.sending = self->hi - self->lo + 1;
	users = ecalloc((size_t)nusers, sizeof *users);
	conns = ecalloc((size_t)cfg.conns, sizeof *conns);
	for (i = 0; i < nusers; i++) {
		users[i].uid = self->lo + i;
		users[i].state = U_FETCH;
	}
	for (i = 0; i < cfg.conns; i++) {
		struct conn *c = &conns[i];
		c->evcon = evhttp_connection_base_new(base, NULL, cfg.addr, (unsigned short)cfg.port);
		if (c->evcon == NULL)
			errx(1, "evhttp_connection_base_new %s:%d failed", cfg.addr, cfg.port);
		if (src != NULL)
			evhttp_connection_set_local_address(c->evcon, src);
		evhttp_connection_set_timeout(c->evcon, (int)cfg.req_timeout);
		evhttp_connection_set_retries(c->evcon, 0);
		c->timer = evtimer_new(base, conn_timer, c);
		conn_idle(c);
	}
	tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	prog = event_new(base, -1, EV_PERSIST, on_progress, NULL);
	sigterm = evsignal_new(base, SIGTERM, on_signal, NULL);
	sigint = evsignal_new(base, SIGINT, on_signal, NULL);
	tv.tv_sec = 0; tv.tv_usec = TICK_MS * 1000;
	event_add(tick, &tv);
	tv.tv_sec = 1; tv.tv_usec = 0;
	event_add(prog, &tv);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);

	/* A port already taken costs the monitor its view of this client,
	 * never the run. */
	prom_self_init(&me);
	if (cfg.mport && (md = metricsd_start(base, self->addr, cfg.mport, metrics_fill, NULL)) == NULL)
		warn("no /metrics on %s:%d", self->addr, cfg.mport);
	t_start = st.t_moved = st.t_answer = cs_now();
	if (cfg.gate != NULL) {
		gated = 1;
		gate_ev = event_new(base, -1, EV_PERSIST, on_gate, NULL);
		tv.tv_sec = 0; tv.tv_usec = GATE_MS * 1000;
		event_add(gate_ev, &tv);
	} else
		pump();
	if (nusers > 0)
		event_base_dispatch(base);
	secs = cs_now() - t_start;
	getrusage(RUSAGE_SELF, &ru);
	if (!cfg.quiet)
		progress_line();
	printf("users=%lld done=%lld failed=%lld sent=%lld acked=%lld received=%lld retries=%lld "
	    "sent_before=%lld requests=%lld errors=%lld http503=%lld http4xx=%lld seconds=%.3f "
	    "msgs_per_s=%.0f cpu_s=%.3f maxrss_kb=%ld\n",
	    nusers, st.done, st.failed, st.sent, st.acked, st.received, st.retries, st.sent0, st.requests,
	    st.errors, st.http503, st.http4xx, secs, secs > 0 ? (st.sent - st.sent0) / secs : 0,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	    ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
	fshut(stdout, "<stdout>");
	if (diag.missing != NULL)
		diag_report();
	for (i = 0; i < cfg.conns; i++) {
		evhttp_connection_free(conns[i].evcon);
		event_free(conns[i].timer);
	}
	for (i = 0; i < nusers; i++) {
		free(users[i].fr);
		free(users[i].plan);
		free(users[i].acked);
		free(users[i].defer);
	}
	free(users);
	free(waiting.u);
	free(cellw);
	free(conns);
	free(scratch);
	free(diag.missing);
	free(diag.unacked);
	event_free(tick);
	event_free(prog);
	if (gate_ev != NULL)
		event_free(gate_ev);
	event_free(sigterm);
	event_free(sigint);
	metricsd_stop(md);
	event_base_free(base);
	inventory_free(&inv);
	return st.done == nusers ? 0 : 1;
}
