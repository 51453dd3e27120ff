/* stat-collect: scrape every host of the inventory on a fixed tick (3 s by
 * default) and print one line per host per tick: what changed since the
 * host's last answer (counts over dt seconds, the latency buckets), its
 * gauges, and a state: up, stale (missed one tick) or down (missed two or
 * more). The seed's monitor flooded itself by redrawing on every packet;
 * this one asks each host once per tick, all hosts at once (libcurl's multi
 * interface), each scrape bounded by its own timeout, so a dead host never
 * delays the others. The line format is docs/tools.md#stat-collect. */
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>

#include <err.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "clock.h"
#include "ealloc.h"
#include "fshut.h"
#include "hist.h"
#include "host.h"
#include "inventory.h"
#include "opt.h"
#include "promtext.h"
#include "statline.h"

#define BODY_MAX (4 << 20)      /* longest /metrics answer accepted */
#define BASELINE_MS 500L        /* the first tick's timeout */
#define NICE_AHEAD  (-10)       /* the priority it takes when allowed */

static struct config {
	const char *inventory;
	long long   interval;     /* -t: seconds between ticks */
	long long   timeout;      /* -T: ms one scrape may take */
	int         port;         /* -p: cellsrv's HTTP port */
	int         cport;        /* -c: msgclient's metrics port, 0 = none */
	const char *proxy;        /* -x: e.g. socks5h://127.0.0.1:9599 */
	long long   ticks;        /* -n: stop after this many ticks, 0 = never */
	long long   watch;        /* -w: stop after a last tick when this pid exits */
	int         prom;         /* -P: print a Prometheus scrape config instead */
} cfg;

static const struct config defaults = {
	.interval = 3,
	.timeout = 2000,
	.port = PORT_HTTP,
	.cport = PORT_CLIENT,
};

/* What one scrape of a cellsrv found; NAN = not exposed. */
enum {
	V_SENT, V_RETX, V_ACKS, V_DLV, V_E5, V_CPU,                     /* cellsrv's counts */
	V_USR, V_SYS, V_IOW, V_STL, V_IDL,                              /* the host's CPU s */
	V_NCPU, V_LOAD, V_MAVAIL, V_MTOTAL, V_RSS, V_MAXRSS, V_RRSS, V_RMEM,
	V_LOADING, V_AOF, V_REDIS, V_START, V_PEERS, V_PEERS_UP, NV
};
#define V_FIRST_NODE V_USR      /* V_USR..V_IDL: the host's, not reset by a restart */
#define V_END_COUNT  (V_IDL + 1)

/* ... and of a msgclient. */
enum { C_USERS, C_DONE, C_FAILED, C_EXP, C_SENT, C_ACKED, C_RECV, C_RETX, C_CPU, C_RSS,
	C_START, NCV };

struct scalar {
	const char *name;         /* a metric without labels */
	int         v;            /* where its value goes */
};

static const struct scalar scalars[] = {
	{ "cellsrv_acks_total", V_ACKS },
	{ "cellsrv_deliveries_total", V_DLV },
	{ "process_cpu_seconds_total", V_CPU },
	{ "node_load1", V_LOAD },
	{ "node_memory_available_bytes", V_MAVAIL },
	{ "node_memory_total_bytes", V_MTOTAL },
	{ "process_resident_memory_bytes", V_RSS },
	{ "process_max_resident_memory_bytes", V_MAXRSS },
	{ "redis_memory_used_rss_bytes", V_RRSS },
	{ "redis_memory_used_bytes", V_RMEM },
	{ "redis_loading_dump_file", V_LOADING },
	{ "redis_aof_last_write_status", V_AOF },
	{ "cellsrv_redis_up", V_REDIS },
	{ "process_start_time_seconds", V_START },
};

static const struct scalar cscalars[] = {
	{ "msgclient_messages_expected", C_EXP },
	{ "msgclient_messages_sent", C_SENT },
	{ "msgclient_messages_acked", C_ACKED },
	{ "msgclient_messages_received", C_RECV },
	{ "msgclient_resends_total", C_RETX },
	{ "process_cpu_seconds_total", C_CPU },
	{ "process_resident_memory_bytes", C_RSS },
	{ "process_start_time_seconds", C_START },
};

enum { ID_NAME, ID_CELL, ID_ADDR, ID_PORT, ID_BUILD, ID_INSTANCE, NID };
static const char *const id_labels[NID] = { "name", "cell", "addr", "port", "build", "instance" };

struct snap {
	double       v[NV];
	struct hist  lat;         /* cumulative counts, as exposed */
	char         id[NID][64]; /* cellstress_host_info's labels, "" when absent */
};

struct csnap {
	double       v[NCV];
	char         instance[64];
};

struct body {
	char   *p;
	size_t  len, cap;
	int     over;             /* more than BODY_MAX */
};

struct target {
	CURL       *h;
	struct body b;
	CURLcode    rc;
	long        code;
	double      t;            /* when the answer was complete (monotonic) */
	char        err[48];      /* why the scrape failed, "" when it did not */
	size_t      host;         /* its host's index */
};

struct hoststate {
	const struct host *inv;
	struct target srv, cli;
	struct snap   prev, cur;
	struct csnap  cprev, ccur;
	int           have_prev, have_cprev;
	int           misses;     /* ticks missed in a row */
	double        last_ok;    /* monotonic time of the last answer */
	double        first_fail; /* of a scrape that failed before any answer, 0: none */
	char          shown_id[64], shown_build[64];
	double        shown_start;
};

static struct inventory   inv;
static struct hoststate  *hosts;
static CURLM             *multi;
static char               line[STATLINE_MAX + 1];
static double             started;        /* wall clock when this collector began */

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;

	if (b->len + len > BODY_MAX) {
		b->over = 1;
		return 0;                       /* aborts the transfer */
	}
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = erealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	return len;
}

static void
target_init(struct target *t, size_t host, const char *addr, int port)
{
	char url[128];

	snprintf(url, sizeof url, "http://%s:%d/metrics", addr, port);
	if ((t->h = curl_easy_init()) == NULL)
		errx(1, "curl_easy_init failed");
	t->host = host;
	curl_easy_setopt(t->h, CURLOPT_URL, url);
	curl_easy_setopt(t->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(t->h, CURLOPT_WRITEDATA, &t->b);
	curl_easy_setopt(t->h, CURLOPT_PRIVATE, t);
	curl_easy_setopt(t->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->h, CURLOPT_TCP_NODELAY, 1L);
	/* Only the proxy asked for: a user's http_proxy must not take the
	 * scrapes of private addresses elsewhere. */
	curl_easy_setopt(t->h, CURLOPT_PROXY, cfg.proxy ? cfg.proxy : "");
	curl_easy_setopt(t->h, CURLOPT_USERAGENT, "stat-collect");
}

/* -- reading an answer ---------------------------------------------------- */

static void
addv(double *v, double x)
{
	*v = isnan(*v) ? x : *v + x;
}

static int
label_is(const struct prom_sample *s, const char *key, const char *want)
{
	char buf[64];

	return prom_label(s, key, buf, sizeof buf) == 0 && strcmp(buf, want) == 0;
}

/* s into v[] when it is one of the n metrics of t: 1, else 0. */
static int
scalar(const struct scalar *t, size_t n, const struct prom_sample *s, double *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prom_is(s, t[i].name)) {
			v[t[i].v] = s->value;
			return 1;
		}
	return 0;
}

static void
on_sample(void *arg, const struct prom_sample *s)
{
	struct snap *sn = arg;
	char buf[64];
	size_t i;

	if (scalar(scalars, sizeof scalars / sizeof scalars[0], s, sn->v))
		return;
	if (prom_is(s, "cellsrv_sends_total")) {
		if (label_is(s, "result", "accepted"))
			sn->v[V_SENT] = s->value;
		else if (label_is(s, "result", "retransmitted"))
			sn->v[V_RETX] = s->value;
	} else if (prom_is(s, "cellsrv_http_responses_total")) {
		if (prom_label(s, "code", buf, sizeof buf) == 0 && buf[0] == '5')
			addv(&sn->v[V_E5], s->value);
		else if (isnan(sn->v[V_E5]))
			sn->v[V_E5] = 0;
	} else if (prom_is(s, "cellsrv_send_ack_seconds_bucket")) {
		if (prom_label(s, "le", buf, sizeof buf) == 0 && s->value >= 0) {
			char *end;
			double le = strtod(buf, &end);
			if (*end == '\0' && !isnan(le))
				hist_add(&sn->lat, le, (unsigned long long)s->value);
		}
	} else if (prom_is(s, "node_cpu_seconds_total")) {
		/* node_exporter's modes, folded into what an operator reads:
		 * user (+nice), system (+irq, softirq), iowait, steal, idle */
		static const struct { const char *mode; int v; } modes[] = {
			{ "user", V_USR }, { "nice", V_USR }, { "system", V_SYS }, { "irq", V_SYS },
			{ "softirq", V_SYS }, { "iowait", V_IOW }, { "steal", V_STL }, { "idle", V_IDL },
		};
		if (prom_label(s, "mode", buf, sizeof buf) != 0)
			return;
		for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
			if (strcmp(buf, modes[i].mode) == 0)
				addv(&sn->v[modes[i].v], s->value);
		if (strcmp(buf, "idle") == 0)
			addv(&sn->v[V_NCPU], 1);
	} else if (prom_is(s, "cellsrv_peer_up")) {
		addv(&sn->v[V_PEERS], 1);
		addv(&sn->v[V_PEERS_UP], s->value > 0);
	} else if (prom_is(s, "cellstress_host_info")) {
		for (i = 0; i < NID; i++)
			if (prom_label(s, id_labels[i], buf, sizeof buf) == 0)
				snprintf(sn->id[i], sizeof sn->id[i], "%s", buf);
	}
}

static void
on_csample(void *arg, const struct prom_sample *s)
{
	struct csnap *c = arg;
	char buf[64];

	if (scalar(cscalars, sizeof cscalars / sizeof cscalars[0], s, c->v))
		return;
	if (prom_is(s, "msgclient_users")) {
		if (label_is(s, "state", "all"))
			c->v[C_USERS] = s->value;
		else if (label_is(s, "state", "done"))
			c->v[C_DONE] = s->value;
		else if (label_is(s, "state", "failed"))
			c->v[C_FAILED] = s->value;
	} else if (prom_is(s, "cellstress_client_info")) {
		if (prom_label(s, "instance", buf, sizeof buf) == 0)
			snprintf(c->instance, sizeof c->instance, "%s", buf);
	}
}

/* The scrape of t: 0 when it answered 200 with a body that parses (fn
 * called for every sample), else -1 with t->err set. */
static int
take(struct target *t, prom_fn *fn, void *arg)
{
	unsigned long bad;

	if (t->rc != CURLE_OK) {
		const char *e = t->rc == CURLE_OPERATION_TIMEDOUT ? "timeout" :
		    t->rc == CURLE_COULDNT_CONNECT ? "refused" :
		    t->rc == CURLE_WRITE_ERROR && t->b.over ? "too_large" :
		    t->rc == CURLE_COULDNT_RESOLVE_PROXY || t->rc == CURLE_PROXY ? "proxy" :
		    t->rc == CURLE_GOT_NOTHING ? "empty_answer" :
		    t->rc == CURLE_RECV_ERROR || t->rc == CURLE_SEND_ERROR ? "connection_reset" : NULL;
		if (e)
			snprintf(t->err, sizeof t->err, "%s", e);
		else
			snprintf(t->err, sizeof t->err, "curl_%d", (int)t->rc);
		return -1;
	}
	if (t->code != 200) {
		snprintf(t->err, sizeof t->err, "http_%ld", t->code);
		return -1;
	}
	if ((bad = prom_parse(t->b.p ? t->b.p : "", t->b.len, fn, arg)) != 0) {
		snprintf(t->err, sizeof t->err, "bad_metrics_line_%lu", bad);
		return -1;
	}
	return 0;
}

/* -- one line per host ---------------------------------------------------- */

static size_t lo;                       /* length of line */

static void
put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
put(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (lo >= sizeof line)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line + lo, sizeof line - lo, fmt, ap);
	va_end(ap);
	lo += n > 0 ? (size_t)n : 0;
	if (lo >= sizeof line)
		lo = sizeof line - 1;
}

/* key=delta of a counter, in the given format; a reset counter (a
 * restart) counts from 0. */
static double
delta(double cur, double prev, int restarted)
{
	return restarted || cur < prev ? cur : cur - prev;
}

/* Per-bucket counts of a cumulative histogram. */
static void
debucket(const struct hist *cum, struct hist *out)
{
	unsigned long long below = 0;
	int i;

	*out = *cum;
	for (i = 0; i < cum->n; i++) {
		out->c[i] = cum->c[i] >= below ? cum->c[i] - below : 0;
		below = cum->c[i] > below ? cum->c[i] : below;
	}
}

/* cur - prev per bucket; 1 when a bucket went down or the bounds changed
 * (a restart), *d then being cur's own. */
static int
lat_delta(const struct hist *cur, const struct hist *prev, struct hist *d)
{
	struct hist c, p;
	int i;

	debucket(cur, &c);
	debucket(prev, &p);
	*d = c;
	if (c.n != p.n)
		return p.n != 0;
	for (i = 0; i < c.n; i++) {
		if (c.le[i] != p.le[i] || c.c[i] < p.c[i]) {
			*d = c;
			return 1;
		}
		d->c[i] = c.c[i] - p.c[i];
	}
	return 0;
}

/* A cellsrv restarted since the last answer: another instance or start
 * time, or one of its own counters went down. */
static int
restarted(const struct snap *cur, const struct snap *prev)
{
	struct hist d;
	int i;

	if (cur->id[ID_INSTANCE][0] && prev->id[ID_INSTANCE][0] &&
	    strcmp(cur->id[ID_INSTANCE], prev->id[ID_INSTANCE]) != 0)
		return 1;
	if (!isnan(cur->v[V_START]) && !isnan(prev->v[V_START]) && cur->v[V_START] != prev->v[V_START])
		return 1;
	for (i = 0; i < V_FIRST_NODE; i++)
		if (cur->v[i] < prev->v[i])
			return 1;
	return lat_delta(&cur->lat, &prev->lat, &d);
}

static int
crestarted(const struct csnap *cur, const struct csnap *prev)
{
	if (cur->instance[0] && prev->instance[0] && strcmp(cur->instance, prev->instance) != 0)
		return 1;
	if (!isnan(cur->v[C_START]) && !isnan(prev->v[C_START]) && cur->v[C_START] != prev->v[C_START])
		return 1;
	return cur->v[C_RETX] < prev->v[C_RETX] || cur->v[C_CPU] < prev->v[C_CPU];
}

/* " key=value" when v is known. */
static void
gauge(const char *key, const char *fmt, double v)
{
	if (isnan(v))
		return;
	put("\t%s=", key);
	put(fmt, v);
}

/* Append ",WHAT" (or WHAT first) to buf. */
static void
clash_add(char *buf, size_t size, const char *fmt, const char *v)
{
	size_t o = strlen(buf);

	snprintf(buf + o, size - o, "%s", o ? "," : "");
	o = strlen(buf);
	snprintf(buf + o, size - o, fmt, v);
}

/* What the identity of h's answer says against the inventory and the other
 * hosts' answers of this tick: "" when all agrees. */
static void
clash(const struct hoststate *h, char *buf, size_t size)
{
	const struct snap *s = &h->cur;
	char cell[24];
	size_t i;

	buf[0] = '\0';
	snprintf(cell, sizeof cell, "%lld", h->inv->cell);
	if (s->id[ID_NAME][0] && strcmp(s->id[ID_NAME], h->inv->name) != 0)
		clash_add(buf, size, "name:%s", s->id[ID_NAME]);
	if (s->id[ID_CELL][0] && strcmp(s->id[ID_CELL], cell) != 0)
		clash_add(buf, size, "cell:%s", s->id[ID_CELL]);
	if (s->id[ID_ADDR][0] && strcmp(s->id[ID_ADDR], h->inv->addr) != 0)
		clash_add(buf, size, "addr:%s", s->id[ID_ADDR]);
	if (s->id[ID_INSTANCE][0])
		for (i = 0; i < inv.n; i++) {
			const struct hoststate *o = &hosts[i];
			if (o != h && o->misses == 0 &&
			    strcmp(o->cur.id[ID_INSTANCE], s->id[ID_INSTANCE]) == 0) {
				clash_add(buf, size, "instance:%s", o->inv->name);
				break;
			}
		}
}

static void
host_line(struct hoststate *h, double ts, int srv_ok, int cli_ok)
{
	const struct snap *c = &h->cur, *p = &h->prev;
	char buf[256];
	int i, born;

	lo = 0;
	put("%.3f\t%s\t", ts, h->inv->name);
	if (!srv_ok) {
		put("%s\terr=%s", statline_states[h->misses >= 2 ? ST_DOWN : ST_STALE], h->srv.err);
		if (h->last_ok > 0)
			put("\tage=%.0f", cs_now() - h->last_ok);
		return;
	}
	put("up");
	/* A cellsrv that came up while watched (its first scrape failed, or
	 * it started after this collector): all it counted happened while
	 * watched, so its first answer counts from zero. */
	born = !h->have_prev && (h->first_fail > 0 || c->v[V_START] >= started);
	if (h->have_prev || born) {
		int r = born || restarted(c, p), cr = cli_ok && h->have_cprev && crestarted(&h->ccur, &h->cprev);
		static const char *const key[V_END_COUNT] = { "sent", "retx", "acks", "dlv", "e5",
		    "cpu", "usr", "sys", "iow", "stl", "idl" };
		struct hist d;

		put("\tdt=%.3f", h->have_prev ? h->srv.t - h->last_ok :
		    !isnan(c->v[V_START]) && ts > c->v[V_START] ? ts - c->v[V_START] : h->srv.t - h->first_fail);
		if ((r && !born) || cr)
			put("\trestart=%s%s%s", r && !born ? "cellsrv" : "", r && !born && cr ? "," : "",
			    cr ? "client" : "");
		for (i = 0; i < V_END_COUNT; i++) {
			if (born && i >= V_FIRST_NODE)
				break;                  /* the host's CPU: since boot, not since then */
			if (!isnan(c->v[i]) && (born || !isnan(p->v[i])))
				put(i >= V_CPU ? "\t%s=%.3f" : "\t%s=%.0f", key[i],
				    born ? c->v[i] : delta(c->v[i], p->v[i], r && i < V_FIRST_NODE));
		}
		if (c->lat.n > 0) {
			if (r || p->lat.n == 0)
				debucket(&c->lat, &d);
			else
				lat_delta(&c->lat, &p->lat, &d);
			if (hist_count(&d) > 0 && hist_format(&d, buf, sizeof buf) > 0)
				put("\tlat=%s", buf);
		}
	}
	gauge("ncpu", "%.0f", c->v[V_NCPU]);
	gauge("load", "%.2f", c->v[V_LOAD]);
	gauge("mavail", "%.0f", c->v[V_MAVAIL]);
	gauge("mtotal", "%.0f", c->v[V_MTOTAL]);
	gauge("rss", "%.0f", isnan(c->v[V_RSS]) ? c->v[V_MAXRSS] : c->v[V_RSS]);
	gauge("rrss", "%.0f", c->v[V_RRSS]);
	gauge("rmem", "%.0f", c->v[V_RMEM]);
	gauge("loading", "%.0f", c->v[V_LOADING]);
	if (!isnan(c->v[V_AOF]))
		put("\taof=%s", c->v[V_AOF] > 0 ? "ok" : "err");
	gauge("redis", "%.0f", c->v[V_REDIS]);
	if (!isnan(c->v[V_PEERS]))
		put("\tpeers=%.0f/%.0f", c->v[V_PEERS_UP], c->v[V_PEERS]);
	if (cfg.cport) {
		const struct csnap *cc = &h->ccur, *cp = &h->cprev;
		put("\tc=%s", cli_ok ? "up" : "off");
		if (cli_ok) {
			static const char *const ckey[] = { "c_users", "c_done", "c_failed", "c_exp",
			    "c_sent", "c_acked", "c_recv" };
			int cr = h->have_cprev && crestarted(cc, cp);
			for (i = C_USERS; i <= C_RECV; i++)
				gauge(ckey[i], "%.0f", cc->v[i]);
			if (h->have_cprev) {
				if (!isnan(cc->v[C_RETX]) && !isnan(cp->v[C_RETX]))
					put("\tc_retx=%.0f", delta(cc->v[C_RETX], cp->v[C_RETX], cr));
				if (!isnan(cc->v[C_CPU]) && !isnan(cp->v[C_CPU]))
					put("\tc_cpu=%.3f", delta(cc->v[C_CPU], cp->v[C_CPU], cr));
			}
			gauge("c_rss", "%.0f", cc->v[C_RSS]);
		}
	}
	/* who answered: on the first answer and whenever it changes */
	if (strcmp(c->id[ID_INSTANCE], h->shown_id) != 0 || strcmp(c->id[ID_BUILD], h->shown_build) != 0 ||
	    (!isnan(c->v[V_START]) && c->v[V_START] != h->shown_start)) {
		if (c->id[ID_INSTANCE][0])
			put("\tid=%s", c->id[ID_INSTANCE]);
		if (c->id[ID_BUILD][0])
			put("\tbuild=%s", c->id[ID_BUILD]);
		gauge("start", "%.0f", c->v[V_START]);
		snprintf(h->shown_id, sizeof h->shown_id, "%s", c->id[ID_INSTANCE]);
		snprintf(h->shown_build, sizeof h->shown_build, "%s", c->id[ID_BUILD]);
		h->shown_start = c->v[V_START];
	}
	clash(h, buf, sizeof buf);
	if (buf[0])
		put("\tclash=%s", buf);
}

/* -- the tick ------------------------------------------------------------- */

static void
start(struct target *t, long timeout)
{
	curl_easy_setopt(t->h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(t->h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	t->b.len = 0;
	t->b.over = 0;
	t->err[0] = '\0';
	t->rc = CURLE_OK;
	t->code = 0;
	curl_multi_add_handle(multi, t->h);
}

/* Host k's answers of this tick, both scrapes done: parsed into cur, the
 * last answer kept as the reference when this one failed. */
static void
take_host(size_t k, int *srv_ok, int *cli_ok)
{
	struct hoststate *h = &hosts[k];
	int i;

	h->prev = h->cur;
	memset(&h->cur, 0, sizeof h->cur);
	for (i = 0; i < NV; i++)
		h->cur.v[i] = NAN;
	*srv_ok = take(&h->srv, on_sample, &h->cur) == 0;
	h->cprev = h->ccur;
	memset(&h->ccur, 0, sizeof h->ccur);
	for (i = 0; i < NCV; i++)
		h->ccur.v[i] = NAN;
	*cli_ok = cfg.cport && take(&h->cli, on_csample, &h->ccur) == 0;
	h->misses = *srv_ok ? 0 : h->misses + 1;
	if (!*srv_ok && !h->have_prev && h->first_fail == 0)
		h->first_fail = cs_now();
	if (!*srv_ok)
		h->cur = h->prev;
}

/* Print host k's line of tick ts, then take this answer as the next
 * tick's reference. */
static void
emit_host(size_t k, double ts, int srv_ok, int cli_ok)
{
	struct hoststate *h = &hosts[k];

	host_line(h, ts, srv_ok, cli_ok);
	put("\n");
	fputs(line, stdout);
	if (srv_ok) {
		h->have_prev = 1;
		h->last_ok = h->srv.t;
	}
	if (cli_ok)
		h->have_cprev = 1;
	else {
		h->have_cprev = 0;              /* a client that comes back starts afresh */
		h->ccur = h->cprev;
	}
}

static void
flush_out(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);                        /* the reader has gone */
		err(1, "<stdout>");
	}
}

/* Scrape every host at once, wait for all (each bounded by timeout ms),
 * print a line per host in inventory order; with early, each as soon as
 * its host and those before it are done (the first tick: make run waits
 * for a line), else all at the end, a clash seen across all of them. */
static void
tick(double ts, long timeout, int early)
{
	int running = 0, left;
	size_t k;
	CURLMsg *m;
	int *srv_ok = ecalloc(inv.n, sizeof *srv_ok), *cli_ok = ecalloc(inv.n, sizeof *cli_ok);
	int *pending = ecalloc(inv.n, sizeof *pending);
	size_t next = 0;                        /* early: the next host to print */

	for (k = 0; k < inv.n; k++) {
		start(&hosts[k].srv, timeout);
		pending[k] = 1;
		if (cfg.cport) {
			start(&hosts[k].cli, timeout);
			pending[k]++;
		}
	}
	do {
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			errx(1, "curl_multi_perform failed");
		while ((m = curl_multi_info_read(multi, &left)) != NULL) {
			struct target *t;
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			t->rc = m->data.result;
			curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &t->code);
			t->t = cs_now();
			curl_multi_remove_handle(multi, m->easy_handle);
			pending[t->host]--;
			/* early: every host whose line and those before it are done */
			for (; early && next < inv.n && pending[next] == 0; next++) {
				take_host(next, &srv_ok[next], &cli_ok[next]);
				emit_host(next, ts, srv_ok[next], cli_ok[next]);
				flush_out();
			}
		}
		if (running > 0 && curl_multi_poll(multi, NULL, 0, 200, NULL) != CURLM_OK)
			errx(1, "curl_multi_poll failed");
	} while (running > 0);
	if (!early) {
		for (k = 0; k < inv.n; k++)
			take_host(k, &srv_ok[k], &cli_ok[k]);
		for (k = 0; k < inv.n; k++)
			emit_host(k, ts, srv_ok[k], cli_ok[k]);
	}
	free(srv_ok);
	free(cli_ok);
	free(pending);
	flush_out();
}

/* -- Prometheus ----------------------------------------------------------- */

/* A scrape config for Prometheus scraping what this tool scrapes. */
static void
prometheus(void)
{
	static const char *const job[] = { "cellsrv", "msgclient" };
	size_t k;
	int j;

	printf("# Prometheus scrape config of the cellstress cluster in %s, written by\n"
	    "# stat-collect -P (make provision): the targets stat-collect scrapes, every %lld s.\n"
	    "#   prometheus --config.file=THIS_FILE\n",
	    cfg.inventory, cfg.interval);
	if (cfg.proxy)
		printf("# The hosts are private: Prometheus reaches them through the SOCKS proxy\n"
		    "# below, e.g. ssh -F hosts/ssh_config -N -D PORT bastion.\n");
	printf("global:\n  scrape_interval: %llds\n  scrape_timeout: %lldms\nscrape_configs:\n",
	    cfg.interval, cfg.timeout < cfg.interval * 1000 ? cfg.timeout : cfg.interval * 1000);
	for (j = 0; j < (cfg.cport ? 2 : 1); j++) {
		printf("  - job_name: %s\n", job[j]);
		if (cfg.proxy) {
			const char *p = cfg.proxy;
			if (strncmp(p, "socks5h://", 10) == 0)
				printf("    proxy_url: socks5://%s\n", p + 10);
			else
				printf("    proxy_url: %s\n", p);
		}
		printf("    static_configs:\n");
		for (k = 0; k < inv.n; k++)
			printf("      - targets: ['%s:%d']\n        labels: {host: '%s', cell: '%lld'}\n",
			    inv.host[k].addr, j ? cfg.cport : cfg.port, inv.host[k].name, inv.host[k].cell);
	}
	fshut(stdout, "<stdout>");
}

/* -- main ----------------------------------------------------------------- */

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: stat-collect -i inventory [-t secs=%lld] [-T timeout_ms=%lld] [-p port=%d] "
	    "[-c client_port=%d] [-x proxy] [-n ticks=%lld] [-w pid] [-P]\n",
	    defaults.interval, defaults.timeout, defaults.port, defaults.cport, defaults.ticks);
	exit(status);
}

/* Run ahead of the cluster it watches. On loopback hosts the cluster takes
 * every core, and a tick is some 80 answers each waking this process: at 40
 * hosts and 100 runnable processes, each wakeup waited its fair turn, ticks
 * came 6-12 s apart and working hosts showed as down for the first 100 s
 * of a run (docs/performance.md#bench-hosts). It takes about 4 ms of CPU a
 * tick (40 hosts), so the run loses nothing.
 * Without root (CAP_SYS_NICE) it runs as started; one started at a higher
 * priority than NICE_AHEAD keeps it. */
static void
ahead(void)
{
	int p;

	errno = 0;
	p = getpriority(PRIO_PROCESS, 0);
	if (errno == 0 && p > NICE_AHEAD)
		(void)setpriority(PRIO_PROCESS, 0, NICE_AHEAD);
}

int
main(int argc, char *argv[])
{
	struct pollfd pfd[2];
	sigset_t sigs;
	double next, now, ts;
	long long n = 0;
	int ch, npfd = 0, pidfd = -1, last = 0, timeout_given = 0;
	size_t k;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "c:hi:n:Pp:T:t:w:x:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfg.cport = (int)cs_optnum(ch, optarg, 0, 65535); break;
		case 'i': cfg.inventory = optarg; break;
		case 'n': cfg.ticks = cs_optnum(ch, optarg, 0, 1LL << 40); break;
		case 'P': cfg.prom = 1; break;
		case 'p': cfg.port = (int)cs_optnum(ch, optarg, 1, 65535); break;
		case 'T': cfg.timeout = cs_optnum(ch, optarg, 10, 3600000); timeout_given = 1; break;
		case 't': cfg.interval = cs_optnum(ch, optarg, 1, 3600); break;
		case 'w': cfg.watch = cs_optnum(ch, optarg, 1, 1 << 30); break;
		case 'x': cfg.proxy = optarg; break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || cfg.inventory == NULL)
		usage(stderr, 2);
	if (!timeout_given && cfg.timeout * 3 > cfg.interval * 2000)
		cfg.timeout = cfg.interval * 2000 / 3;  /* a short tick: 2/3 of it */
	if (cfg.timeout >= cfg.interval * 1000) {
		warnx("-T %lld: a scrape must end within the tick (-t %lld s)", cfg.timeout, cfg.interval);
		usage(stderr, 2);
	}
	inventory_load(cfg.inventory, &inv);
	if (cfg.prom) {
		prometheus();
		inventory_free(&inv);
		return 0;
	}
	ahead();

	signal(SIGPIPE, SIG_IGN);
	/* SIGTERM and SIGINT end it after one last tick, read from a signalfd
	 * between ticks; so does the exit of -w's process (a pidfd). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	pfd[npfd].fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (pfd[npfd].fd < 0)
		err(1, "signalfd");
	pfd[npfd++].events = POLLIN;
	if (cfg.watch) {
		pidfd = (int)syscall(SYS_pidfd_open, (pid_t)cfg.watch, 0);
		if (pidfd < 0 && errno == ESRCH)
			last = 1;
		else if (pidfd < 0)
			err(1, "pidfd_open %lld", cfg.watch);
		else {
			pfd[npfd].fd = pidfd;
			pfd[npfd++].events = POLLIN;
		}
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (multi = curl_multi_init()) == NULL)
		errx(1, "libcurl init failed");
	hosts = ecalloc(inv.n, sizeof *hosts);
	for (k = 0; k < inv.n; k++) {
		hosts[k].inv = &inv.host[k];
		target_init(&hosts[k].srv, k, inv.host[k].addr, cfg.port);
		if (cfg.cport)
			target_init(&hosts[k].cli, k, inv.host[k].addr, cfg.cport);
		hosts[k].shown_start = NAN;
		for (int i = 0; i < NV; i++)
			hosts[k].cur.v[i] = NAN;
		for (int i = 0; i < NCV; i++)
			hosts[k].ccur.v[i] = NAN;
	}

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	started = cs_wall();
	printf("# stat-collect interval=%lld timeout_ms=%lld hosts=%zu started=%.3f "
	    "(ts host state key=value...: docs/tools.md#stat-collect)\n",
	    cfg.interval, cfg.timeout, inv.n, started);
	/* A first tick at once: the counts every later line starts from. make
	 * run waits for its first line before it starts a client, so the lines
	 * come as soon as the hosts answer, and a host that does not
	 * answer within BASELINE_MS counts from zero when it does, as one that
	 * came up while watched. Then ticks fall on
	 * multiples of the interval of the wall clock, so two collectors'
	 * lines line up; they are kept by the monotonic clock. */
	if (!last) {
		tick(cs_wall(), cfg.timeout < BASELINE_MS ? (long)cfg.timeout : BASELINE_MS, 1);
		n++;
	}
	now = cs_wall();
	ts = ceil(now / (double)cfg.interval) * (double)cfg.interval;
	if (n > 0 && ts - now < (double)cfg.interval / 2)
		ts += (double)cfg.interval;             /* not two ticks in a row */
	next = cs_now() + (ts - now);
	while (!last && !(cfg.ticks && n >= cfg.ticks)) {
		double wait = next - cs_now();
		int r;

		r = poll(pfd, (nfds_t)npfd, wait > 0 ? (int)(wait * 1000) + 1 : 0);
		if (r < 0 && errno != EINTR)
			err(1, "poll");
		if (r > 0) {
			last = 1;                        /* a signal, or -w's process ended */
			tick(cs_wall(), (long)cfg.timeout, 0);
			break;
		}
		if (cs_now() < next)
			continue;
		tick(ts, (long)cfg.timeout, 0);
		n++;
		if (cfg.ticks && n >= cfg.ticks)
			break;
		next += (double)cfg.interval;
		ts += (double)cfg.interval;
		if (next < cs_now()) {                  /* fell behind: skip, keep the grid */
			double skip = ceil((cs_now() - next) / (double)cfg.interval) * (double)cfg.interval;
			next += skip;
			ts += skip;
		}
	}
	if (last && n == 0)
		tick(cs_wall(), (long)cfg.timeout, 0);     /* -w's process was gone already */
	for (k = 0; k < inv.n; k++) {
		curl_easy_cleanup(hosts[k].srv.h);
		free(hosts[k].srv.b.p);
		if (cfg.cport) {
			curl_easy_cleanup(hosts[k].cli.h);
			free(hosts[k].cli.b.p);
		}
	}
	free(hosts);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	inventory_free(&inv);
	fshut(stdout, "<stdout>");
	return 0;
}
