/* redis.c: cellsrv's one hiredis async connection to its cell's
 * redis-server, on the libevent loop. It loads the function library
 * (src/cellsrv.lua, embedded at build time by mk/cellsrv.mk) on every
 * connect, retries every 200 ms while Redis is away, and counts the calls
 * in flight that the HTTP side and the incoming peer links answer 503 or
 * pause on. */
#include <err.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "cellsrv-lua.h"
#include "cellsrv.h"

int       redis_ready;
long long inflight;

static redisAsyncContext *rc;
static struct event      *redis_retry;

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

void
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

void
redis_start(void)
{
	redis_retry = evtimer_new(base, redis_retry_cb, NULL);
	redis_connect();
}

void
redis_stop(void)
{
	if (rc != NULL)
		redisAsyncFree(rc);
	event_free(redis_retry);
}
