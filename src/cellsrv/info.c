/* info.c: what the cell's redis-server says of itself, for /metrics: its
 * memory, whether it is loading its AOF, whether its last AOF write and
 * rewrite went well (redis_exporter's names). Asked with INFO every
 * INFO_SECS on cellsrv's own connection, also while Redis loads (when
 * no protocol call can be made), and never per scrape: a monitor scraping
 * fast costs Redis nothing more. aof.c decides its rewrites on the same
 * answers. */
#include <err.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "cellsrv.h"
#include "clock.h"
#include "promout.h"

#define INFO_SECS 2

static struct event *timer;
static int           asked;           /* an INFO is in flight */
static struct {
	int    known;
	double at;                        /* cs_now() of the answer */
	double used, rss, loading, aof_ok, rewrite_ok;
} ri;

/* The text after "key:" at a line start of INFO's text s, or NULL. */
static const char *
value_of(const char *s, const char *key)
{
	size_t n = strlen(key);
	const char *p = s;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == s || p[-1] == '\n') && p[n] == ':')
			return p + n + 1;
		p += n;
	}
	return NULL;
}

double
info_field(const char *s, const char *key)
{
	const char *v = value_of(s, key);

	return v ? strtod(v, NULL) : NAN;
}

/* aof_last_write_status:ok|err as 1 or 0, NAN when absent. */
static double
status(const char *s, const char *key)
{
	const char *v = value_of(s, key);

	return v ? strncmp(v, "ok", 2) == 0 : NAN;
}

static void
on_info(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;

	(void)c; (void)priv;
	asked = 0;
	if (rep == NULL || (rep->type != REDIS_REPLY_STRING))
		return;
	ri.used = info_field(rep->str, "used_memory");
	ri.rss = info_field(rep->str, "used_memory_rss");
	ri.loading = info_field(rep->str, "loading");
	ri.aof_ok = status(rep->str, "aof_last_write_status");
	ri.rewrite_ok = status(rep->str, "aof_last_bgrewrite_status");
	ri.at = cs_now();
	ri.known = 1;
	aof_info(rep->str);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	static const char *argv[] = { "INFO" };
	static const size_t len[] = { 4 };

	(void)fd; (void)what; (void)arg;
	if (!asked && redis_admin(on_info, NULL, 1, argv, len) == 0)
		asked = 1;
}

void
info_start(void)
{
	struct timeval tv = { INFO_SECS, 0 };

	timer = event_new(base, -1, EV_PERSIST, on_timer, NULL);
	if (timer == NULL)
		errx(1, "event_new failed");
	event_add(timer, &tv);
	on_timer(-1, 0, NULL);
}

void
info_stop(void)
{
	if (timer != NULL)
		event_free(timer);
	timer = NULL;
}

void
info_text(struct evbuffer *b)
{
	if (!ri.known)
		return;
	prom_one(b, "redis_memory_used_bytes", "gauge", "Redis used_memory (INFO, every 2 s).", ri.used);
	prom_one(b, "redis_memory_used_rss_bytes", "gauge", "Redis used_memory_rss: its resident memory.",
	    ri.rss);
	prom_one(b, "redis_loading_dump_file", "gauge", "1 while Redis loads its AOF.", ri.loading);
	prom_one(b, "redis_aof_last_write_status", "gauge", "1 when Redis's last AOF write went well.",
	    ri.aof_ok);
	prom_one(b, "redis_aof_last_bgrewrite_status", "gauge",
	    "1 when Redis's last AOF rewrite went well.", ri.rewrite_ok);
	prom_one(b, "cellsrv_redis_info_age_seconds", "gauge", "Seconds since Redis last answered INFO.",
	    cs_now() - ri.at);
}
