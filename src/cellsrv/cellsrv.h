/* cellsrv.h: what the files of cellsrv share. One thread runs one libevent
 * loop; each file is one room of it that owns its state and exports only
 * what the others call, declared below under its name:
 *   main.c     the settings, the log, the order of start and stop
 *   redis.c    the connection to the cell's redis-server, every call
 *   peer.c     the links to the other cells: lines out
 *   pin.c      the links from the other cells: lines in, to cs_peer
 *   http.c     the HTTP API: routing, checks, the calls
 *   send.c     the SENDs, batched into cs_sendv calls
 *   reply.c    the answers, and the requests waiting for one
 *   metrics.c  the counters, SEND-to-ACK latency, /metrics, who answers
 *   node.c     the host's CPU, load and memory for /metrics
 *   info.c     what Redis says of itself (INFO) for /metrics
 *   aof.c      when Redis rewrites its AOF: one cell of a machine at a time */
#ifndef CELLSRV_H
#define CELLSRV_H

#include <stddef.h>

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "ealloc.h"
#include "hist.h"
#include "inventory.h"
#include "host.h"

struct bufferevent;
struct evbuffer;
struct evhttp_connection;
struct evhttp_request;
struct rq;

/* main.c */

/* The settings: main sets them from its defaults and argv, the rooms read
 * them. */
extern struct config {
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
	int         link_timeout; /* ms: a peer link silent this long is down */
	int         verbose;     /* 0 quiet, 1 info, 2 debug */
	const char *aof_lock;    /* the machine's AOF rewrite lock file, or NULL */
	long long   aof_growth;  /* rewrite at this % growth over the base */
	long long   aof_min_mb;  /* and this many MB of AOF at least */
} cfg;

extern struct inventory   inv;
extern const struct host *self;  /* this cell's host in inv */
extern struct event_base *base;

/* "cellsrv: " and the message on stderr, when level <= cfg.verbose. */
void logmsg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* redis.c */

extern int       redis_ready;  /* connected, functions loaded */
extern long long inflight;     /* calls in flight; a cs_sendv counts its SENDs */

/* What keeps Redis from taking calls, by kind (/metrics counts each). */
enum { RF_REFUSED, RF_DROPPED, RF_LOADING, RF_BUSY, RF_NOFUNC, RF_OTHER, RF_N };
extern const char *const redis_fault_name[RF_N];

void redis_start(void);        /* connect, and reconnect whenever it is lost */
void redis_stop(void);         /* the calls in flight get a NULL reply */

/* Why Redis is not ready, one line ("redis loading"). */
const char *redis_why(void);

/* The RF_ kind of a reply that says Redis cannot take calls now (NULL: the
 * connection is gone; LOADING, BUSY, ...), or -1: a call may be made
 * again once Redis is ready. */
int redis_fault(const redisReply *r);

/* A call that needs no function library (INFO): made whenever the
 * connection is up, also while Redis loads its AOF. 0, or -1. */
int redis_admin(redisCallbackFn *fn, void *priv, int argc, const char **argv, const size_t *len);

/* Issue one call; fn gets (reply or NULL, priv). Returns -1 when the
 * connection cannot take it. The caller adds the call to inflight. */
int redis_call(redisCallbackFn *fn, void *priv, int argc, const char **argv,
               const size_t *len);

/* Bookkeeping at the start of every reply callback; units is what the
 * call added to inflight. */
void redis_reply_seen(redisReply *r, long long units);

/* peer.c */

/* An outgoing link to another cell. */
struct peer {
	const struct host  *h;
	struct bufferevent *bev;      /* NULL while waiting to reconnect */
	struct event       *retry;
	int                 up;
	int                 backoff;  /* ms before the next attempt */
	double              heard;    /* last heartbeat, line from it, or connect; 0: none ever */
	int                 beats;    /* the peer writes heartbeats */
	double              wrote;    /* when a line was last queued on the link */
	unsigned long long  acked;    /* bytes the peer acknowledged */
	double              acked_at; /* when that last grew, or nothing was pending */
	unsigned long long  connects, drops, lines;
	unsigned long long  beats_out; /* heartbeats written on the link from it */
};

/* A cell whose Redis is ready writes a heartbeat (a newline) each
 * HEARTBEAT_MS on every link from another cell to which its own link
 * carried no line in that time: a line read from a cell says as much as a
 * heartbeat, and 1,560 links beating twice a second cost a 40-host run on
 * one machine some 3% of its rate (docs/performance.md). A
 * peer from which neither came for PEER_SILENT_MS (once either came) is
 * frozen or not ready. (A cellsrv that writes none, an older one, is never
 * silent.) */
#define HEARTBEAT_MS   500
#define PEER_SILENT_MS 2000

extern struct peer *peers;     /* peers[cell-1]; self's unused */

void peer_start(void);         /* connect to every other cell */
void peer_stop(void);
void peer_heard(long long cell);  /* a line came from cell: it is there */
int  peer_busy(long long cell);   /* a line went to cell this heartbeat */

/* Can a DLV for uid leave now, and its ACK come back? 0 when uid is of
 * this cell, or its cell's link is up with less than cfg.peer_buf bytes
 * queued and (pin_missing) the link from it is not missing; else that
 * cell, and *why says what is wrong. */
long long peer_blocked(long long uid, const char **why);

/* Forward the items a function returned (peerline.h): a D or an A to the
 * cell it is for, unless that link is down or full; an a ends a latency
 * measure. With t > 0 (SENDs just accepted) a D starts one. O(their
 * length). */
void forward(redisReply **item, size_t n, double t);

/* pin.c */

void pin_listen(void);         /* listen on the peer port, or exit */
void pin_stop(void);           /* close the listener and the links */

/* Make again the calls Redis failed, then read again what paused for
 * Redis. */
void pins_resume(void);

/* Has cell linked to this one before, and has it no link here now? (Its
 * ACKs could not come back.) A cell's links are known by their source
 * address, its address in the inventory. */
int pin_missing(long long cell);

/* http.c */

void http_start(void);         /* listen on the HTTP port, or exit */
void http_stop(void);

/* send.c */

void send_start(void);
void send_stop(void);          /* send the SENDs waiting, or answer 503 */

/* Add a SEND (q->num: U F K, q->body) to the next cs_sendv call. */
void send_queue(struct rq *q);

/* reply.c */

/* An HTTP request waiting for Redis; req is NULL once the client went
 * away. */
struct rq {
	struct evhttp_request    *req;
	struct evhttp_connection *conn;
	long long                 u, k;
	struct rq                *next;       /* free list */
	char                      num[3][24]; /* SEND: U F K as text */
	size_t                    blen;
	char                      body[MSG_BODY_MAX];
};

struct rq *rq_new(struct evhttp_request *req);
void rq_put(struct rq *q);     /* done with q */
void rq_stop(void);            /* free the rqs kept for reuse */

/* Watch for the client of q going away while q waits. */
void rq_watch(struct rq *q);

/* The request of q, detached from its connection's close callback; NULL
 * when the client has gone. */
struct evhttp_request *rq_take(struct rq *q);

/* redis_call for q, which waits for fn; when Redis cannot take it, answer
 * 503 and put q. Returns as redis_call. */
int rq_call(struct rq *q, redisCallbackFn *fn, int argc, const char **argv,
            const size_t *len);

/* Answer req with code and a JSON document (consumed) on one line; its
 * Content-Type is evhttp's default, set by http_start. reply_err's is
 * {"error":msg}; reply_text sends what req's output buffer holds, as type. */
void reply_json(struct evhttp_request *req, int code, json_t *j);
void reply_err(struct evhttp_request *req, int code, const char *msg);
void reply_text(struct evhttp_request *req, int code, const char *type);

/* 503 + Retry-After, {"error":"not ready: WHY"}: Redis cannot take calls
 * (redis_why). */
void reply_unready(struct evhttp_request *req);

/* Map a function's error reply to an HTTP status. A reply of another shape
 * (an array cut short by a counter that is no number in a damaged record)
 * has no text: 500. NULL (Redis went away) or a fault (redis_fault): 503. */
void reply_redis_err(struct evhttp_request *req, const redisReply *rep);

/* The reply callbacks of cs_user and cs_inbox calls (priv: the rq). */
void on_user(redisAsyncContext *c, void *r, void *priv);
void on_inbox(redisAsyncContext *c, void *r, void *priv);

/* metrics.c */

extern struct stats {
	unsigned long long sends[4];  /* done, retx, park, acc: by status */
	unsigned long long accepted, delivered, dup_dlv, acked;
	unsigned long long http[600];
	unsigned long long redis_calls, redis_errors, peer_bad, peer_in;
	unsigned long long redis_faults[RF_N], redis_reconnects;
	unsigned long long peer_retried;  /* cs_peer calls made again */
	unsigned long long peer_far;  /* DLVs dropped by cs_peer: too far ahead */
	unsigned long long lat_buckets[HIST_MAX + 1], lat_count;  /* hist_bounds', +Inf last */
	double             lat_sum;
} st;

void lat_start(long long u, long long k, double t); /* K of U forwarded at t */
void lat_end(long long u, long long k);             /* its ACK applied now */
void lat_local(unsigned long long n);  /* n acked in the call accepting them */

void metrics_start(void);      /* the buckets, this process's id and start time */

/* Append the /metrics text (Prometheus text format) to b. */
void metrics_text(struct evbuffer *b);

/* node.c */

/* Append node_cpu_seconds_total, node_load*, node_memory_* to b. */
void node_text(struct evbuffer *b);

/* info.c */

void info_start(void);         /* ask Redis for INFO every 2 s */
void info_stop(void);

/* Append what Redis said last (redis_memory_used_bytes, loading, AOF
 * status) to b; nothing before its first answer. */
void info_text(struct evbuffer *b);

/* The number after "key:" at a line start of INFO's text s, NAN when absent. */
double info_field(const char *s, const char *key);

/* aof.c */

void aof_start(void);          /* open cfg.aof_lock (or exit); nothing without it */
void aof_stop(void);           /* frees the lock */

/* Decide on one INFO answer s: start a rewrite under the machine's lock,
 * or free the lock when the rewrite is over. */
void aof_info(const char *s);

/* Append cellsrv_aof_* (rewrites started, lock held, waiting) to b. */
void aof_text(struct evbuffer *b);

#endif
