/* redis.c: cellsrv's one hiredis async connection to its cell's
 * redis-server, on the libevent loop, and what cellsrv does while Redis
 * cannot take calls. It connects from the host's address, loads the
 * function library (src/cellsrv.lua, embedded at build time by
 * mk/cellsrv.mk) on every connect, and is ready once that load succeeds. No
 * Redis fault ends cellsrv: a refused or dropped connection is made again,
 * and a LOADING, BUSY or missing-library answer makes it load the library
 * again, both after a backoff of 50 ms doubling to 1 s; meanwhile the HTTP
 * side answers 503 and the incoming peer links are not read. It also
 * counts the calls in flight that the HTTP side and the incoming peer
 * links answer 503 or pause on. */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "cellsrv-lua.h"
#include "cellsrv.h"

#define BACKOFF_MIN 50                 /* ms before the first retry */
#define BACKOFF_MAX 1000               /* ms: the longest retry pause */

int       redis_ready;
long long inflight;

const char *const redis_fault_name[RF_N] = { "refused", "dropped", "loading", "busy",
	"nofunction", "other" };

static redisAsyncContext *rc;
static struct event      *retry_ev;
static int                backoff = BACKOFF_MIN;
static int                loading;     /* a FUNCTION LOAD is in flight */
static int                connected;   /* ever: the next connect is a reconnect */
static int                stopping;
static char               why[160] = "redis connecting";

const char *
redis_why(void)
{
	return why;
}

int
redis_call(redisCallbackFn *fn, void *priv, int argc, const char **argv, const size_t *len)
{
	if (!redis_ready || rc == NULL)
		return -1;
	if (redisAsyncCommandArgv(rc, fn, priv, argc, argv, len) != REDIS_OK)
		return -1;
	st.redis_calls++;
	return 0;
}

int
redis_admin(redisCallbackFn *fn, void *priv, int argc, const char **argv, const size_t *len)
{
	if (rc == NULL || !(rc->c.flags & REDIS_CONNECTED))
		return -1;
	return redisAsyncCommandArgv(rc, fn, priv, argc, argv, len) == REDIS_OK ? 0 : -1;
}

int
redis_fault(const redisReply *r)
{
	static const struct {
		const char *prefix;
		int         kind;
	} tab[] = {
		{ "LOADING ", RF_LOADING }, { "BUSY ", RF_BUSY },
		{ "ERR Function not found", RF_NOFUNC },
		/* Redis takes no writes, or no calls, until an operator or time
		 * fixes it: a failing save, memory, a replica. */
		{ "MISCONF ", RF_OTHER }, { "OOM ", RF_OTHER }, { "MASTERDOWN ", RF_OTHER },
		{ "READONLY ", RF_OTHER }, { "NOREPLICAS ", RF_OTHER },
	};
	size_t i;

	if (r == NULL)
		return RF_DROPPED;
	if (r->type != REDIS_REPLY_ERROR || r->str == NULL)
		return -1;
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strncmp(r->str, tab[i].prefix, strlen(tab[i].prefix)) == 0)
			return tab[i].kind;
	return -1;
}

/* Redis cannot take calls, for the reason fmt says: count it, log the
 * reason when it changes. */
static void __attribute__((format(printf, 2, 3)))
not_ready(int kind, const char *fmt, ...)
{
	char buf[sizeof why];
	va_list ap;

	st.redis_faults[kind]++;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (redis_ready || strcmp(buf, why) != 0)
		logmsg(1, "redis %s:%d: not ready: %s", cfg.redis_addr, cfg.redis_port, buf);
	memcpy(why, buf, sizeof why);
	redis_ready = 0;
}

/* Try again (connect, or load the library) after the backoff, which
 * doubles up to BACKOFF_MAX; once only while a try is pending. */
static void
later(void)
{
	struct timeval tv = { backoff / 1000, backoff % 1000 * 1000 };

	if (stopping || loading || evtimer_pending(retry_ev, NULL))
		return;
	evtimer_add(retry_ev, &tv);
	backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
}

/* The error text of a reply, cut to one short line. */
static const char *
errtext(const redisReply *r)
{
	static char s[100];

	snprintf(s, sizeof s, "%s", r->str);
	s[strcspn(s, "\r\n")] = '\0';
	return s;
}

void
redis_reply_seen(redisReply *r, long long units)
{
	int kind;

	inflight -= units;
	if (r == NULL) {
		/* The connection is gone: on_disconnect counts it and retries. */
		redis_ready = 0;
	} else if (r->type == REDIS_REPLY_ERROR) {
		st.redis_errors++;
		if ((kind = redis_fault(r)) >= 0) {
			not_ready(kind, "%s", kind == RF_LOADING ? "redis loading" :
			    kind == RF_BUSY ? "redis busy" : kind == RF_NOFUNC ?
			    "redis has lost the function library" : errtext(r));
			later();
		}
	}
	if (redis_ready && inflight <= cfg.max_inflight / 2)
		pins_resume();
}

static void
on_loaded(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;
	int kind;

	(void)c; (void)priv;
	loading = 0;
	if (rep == NULL)
		return;    /* connection lost: on_disconnect retries */
	if (rep->type == REDIS_REPLY_ERROR) {
		kind = redis_fault(rep);
		if (kind == RF_LOADING)
			not_ready(kind, "redis loading");
		else if (kind == RF_BUSY)
			not_ready(kind, "redis busy");
		else
			not_ready(RF_OTHER, "FUNCTION LOAD: %s", errtext(rep));
		later();
		return;
	}
	redis_ready = 1;
	backoff = BACKOFF_MIN;
	logmsg(1, "redis functions loaded");
	pins_resume();
}

static void
load_library(void)
{
	const char *argv[] = { "FUNCTION", "LOAD", "REPLACE", cellsrv_lua };
	size_t len[] = { 8, 4, 7, sizeof cellsrv_lua - 1 };

	if (redisAsyncCommandArgv(rc, on_loaded, NULL, 4, argv, len) == REDIS_OK)
		loading = 1;
}

static void
on_connect(const redisAsyncContext *c, int status)
{
	if (status != REDIS_OK) {
		/* hiredis frees c after this, and the load queued on it gets a
		 * NULL reply. */
		rc = NULL;
		loading = 0;
		not_ready(RF_REFUSED, "redis down: %s", c->errstr);
		later();
		return;
	}
	if (connected)
		st.redis_reconnects++;
	connected = 1;
	logmsg(1, "connected to redis %s:%d", cfg.redis_addr, cfg.redis_port);
}

static void
on_disconnect(const redisAsyncContext *c, int status)
{
	rc = NULL;
	loading = 0;
	if (stopping)
		return;
	not_ready(RF_DROPPED, "redis connection lost%s%s", status == REDIS_OK ? "" : ": ",
	    status == REDIS_OK ? "" : c->errstr);
	later();
}

/* Connect from the host's address, and queue the library load. */
static void
redis_connect(void)
{
	rc = redisAsyncConnectBind(cfg.redis_addr, cfg.redis_port, cfg.addr);
	if (rc == NULL)
		errx(1, "redisAsyncConnect: out of memory");
	if (rc->err) {
		not_ready(RF_REFUSED, "redis down: %s", rc->errstr);
		redisAsyncFree(rc);
		rc = NULL;
		later();
		return;
	}
	redisLibeventAttach(rc, base);
	redisAsyncSetConnectCallback(rc, on_connect);
	redisAsyncSetDisconnectCallback(rc, on_disconnect);
	load_library();
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	if (rc == NULL)
		redis_connect();
	else if (!loading)
		load_library();
}

void
redis_start(void)
{
	retry_ev = evtimer_new(base, retry_cb, NULL);
	redis_connect();
}

void
redis_stop(void)
{
	stopping = 1;
	if (rc != NULL)
		redisAsyncFree(rc);
	event_free(retry_ev);
}
