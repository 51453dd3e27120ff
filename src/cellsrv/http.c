/* http.c: cellsrv's HTTP API (DESIGN.md), on evhttp: every request is
 * routed and checked here, and anything malformed, not this cell's or too
 * large answered at once (reply.c); a request that needs Redis becomes one
 * call (a SEND joins the next cs_sendv batch, send.c) unless Redis is away
 * or has cfg.max_inflight calls in flight: then 503. */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "cellsrv.h"
#include "num.h"
#include "pct.h"
#include "peerline.h"

#define INBOX_MAX 100000               /* largest inbox limit */

static struct evhttp *http;

/* Next path segment of *p as a number: 0, or an HTTP status on error. */
static int
seg_num(const char **p, long long min, long long max, long long *v)
{
	const char *errstr;

	*v = cs_fieldnum(p, *p + strlen(*p), '/', min, max, &errstr);
	if (**p == '/')
		(*p)++;
	return errstr ? 400 : 0;
}

/* The value of query parameter name (not decoded), or NULL. */
static const char *
query_get(const char *q, const char *name, size_t *len)
{
	size_t nl = strlen(name);

	while (q != NULL && *q) {
		const char *amp = strchr(q, '&');
		size_t l = amp ? (size_t)(amp - q) : strlen(q);
		if (l > nl && strncmp(q, name, nl) == 0 && q[nl] == '=') {
			*len = l - nl - 1;
			return q + nl + 1;
		}
		if (l == nl && strncmp(q, name, nl) == 0) {
			*len = 0;
			return q + nl;
		}
		q = amp ? amp + 1 : NULL;
	}
	return NULL;
}

/* A query number in [0, max], default def: 0, or 400. */
static int
query_num(const char *query, const char *name, long long max, long long def, long long *v)
{
	size_t len;
	const char *s = query_get(query, name, &len), *errstr;

	*v = def;
	if (s == NULL)
		return 0;
	*v = cs_strntonum(s, len, 0, max, &errstr);
	return errstr ? 400 : 0;
}

static int
own_user(long long u)
{
	return u >= self->lo && u <= self->hi;
}

/* The user id that starts an /api path, one of this cell's users; with
 * last != 0 it must also end the path. Returns -1 after answering the
 * error. */
static int
path_user(struct evhttp_request *req, const char **path, int last, long long *u)
{
	int code;

	if ((code = seg_num(path, 1, ID_MAX, u))) {
		reply_err(req, code, "malformed user id");
		return -1;
	}
	if (last && **path != '\0') {
		reply_err(req, 404, "unknown path");
		return -1;
	}
	if (!own_user(*u)) {
		reply_err(req, 404, "unknown user");
		return -1;
	}
	return 0;
}

/* Can a new Redis call start? If not, answer 503. */
static int
busy(struct evhttp_request *req)
{
	if (!redis_ready) {
		reply_unready(req);
		return 1;
	}
	if (inflight >= cfg.max_inflight) {
		reply_err(req, 503, "overloaded");
		return 1;
	}
	return 0;
}

/* GET /api/c/U/F/K/?message=TEXT: SEND message K of U to F. */
static void
http_send(struct evhttp_request *req, const char *path, const char *query)
{
	static char body[MSG_BODY_MAX];
	const char *m;
	size_t mlen, i;
	long long u, f, k, cell;
	const char *why;
	long blen;
	int code, ascii = 1;
	struct rq *q;

	if (path_user(req, &path, 0, &u) < 0)
		return;
	if ((code = seg_num(&path, 1, ID_MAX, &f)) || (code = seg_num(&path, 1, ID_MAX, &k))) {
		reply_err(req, code, "malformed number in path");
		return;
	}
	if (*path != '\0') {
		reply_err(req, 404, "unknown path");
		return;
	}
	if (f > inv.users || f == u) {
		reply_err(req, 403, "not a friend");
		return;
	}
	if ((m = query_get(query, "message", &mlen)) == NULL) {
		reply_err(req, 400, "missing message");
		return;
	}
	if (mlen > 3 * MSG_BODY_MAX) {
		reply_err(req, 413, "message over 1 KiB");
		return;
	}
	{
		static char tmp[3 * MSG_BODY_MAX];
		blen = pct_decode(tmp, m, mlen, 1);
		if (blen < 0) {
			reply_err(req, 400, "malformed message encoding");
			return;
		}
		if (blen > MSG_BODY_MAX) {
			reply_err(req, 413, "message over 1 KiB");
			return;
		}
		memcpy(body, tmp, (size_t)blen);
	}
	for (i = 0; i < (size_t)blen; i++)
		if ((unsigned char)body[i] >= 0x80)
			ascii = 0;
	if (!ascii) {
		json_t *j = json_stringn(body, (size_t)blen);
		if (j == NULL) {
			reply_err(req, 400, "message is not UTF-8");
			return;
		}
		json_decref(j);
	}
	if (busy(req))
		return;
	/* Nothing is written for a DLV that could not leave: the client
	 * sends it again later, and no gap opens in its acks meanwhile. */
	if ((cell = peer_blocked(f, &why)) != 0) {
		reply_json(req, 503, json_pack("{s:s,s:I}", "error", why, "cell", (json_int_t)cell));
		return;
	}
	q = rq_new(req);
	q->u = u;
	q->k = k;
	snprintf(q->num[0], sizeof q->num[0], "%lld", u);
	snprintf(q->num[1], sizeof q->num[1], "%lld", f);
	snprintf(q->num[2], sizeof q->num[2], "%lld", k);
	memcpy(q->body, body, (size_t)blen);
	q->blen = (size_t)blen;
	send_queue(q);
}

/* GET /api/user/U: U's counters and friends. */
static void
http_user(struct evhttp_request *req, const char *path)
{
	const char *argv[4];
	size_t len[4];
	char su[24];
	long long u;
	struct rq *q;

	if (path_user(req, &path, 1, &u) < 0)
		return;
	if (busy(req))
		return;
	snprintf(su, sizeof su, "%lld", u);
	argv[0] = "FCALL"; argv[1] = "cs_user"; argv[2] = "0"; argv[3] = su;
	len[0] = 5; len[1] = 7; len[2] = 1; len[3] = strlen(su);
	q = rq_new(req);
	q->u = u;
	rq_call(q, on_user, 4, argv, len);
}

/* GET /api/inbox/U?from=N&limit=L: L inbox entries of U from the Nth. */
static void
http_inbox(struct evhttp_request *req, const char *path, const char *query)
{
	const char *argv[6];
	size_t len[6];
	char su[24], sfrom[24], slim[24];
	long long u, from, limit;
	struct rq *q;
	int i;

	if (path_user(req, &path, 1, &u) < 0)
		return;
	if (query_num(query, "from", ID_MAX, 0, &from) ||
	    query_num(query, "limit", INBOX_MAX, 1000, &limit)) {
		reply_err(req, 400, "malformed from or limit");
		return;
	}
	if (busy(req))
		return;
	snprintf(su, sizeof su, "%lld", u);
	snprintf(sfrom, sizeof sfrom, "%lld", from);
	snprintf(slim, sizeof slim, "%lld", limit);
	argv[0] = "FCALL"; argv[1] = "cs_inbox"; argv[2] = "0";
	argv[3] = su; argv[4] = sfrom; argv[5] = slim;
	for (i = 0; i < 6; i++)
		len[i] = strlen(argv[i]);
	q = rq_new(req);
	q->u = u;
	rq_call(q, on_inbox, 6, argv, len);
}

static void
http_cb(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri;
	const char *path, *query;

	(void)arg;
	if (evhttp_request_get_uri(req) == NULL || (uri = evhttp_request_get_evhttp_uri(req)) == NULL) {
		/* evhttp could not parse it: too long or malformed. */
		if (evhttp_request_get_response_code(req) == 413)
			reply_err(req, 413, "request too large");
		else
			reply_err(req, 400, "malformed request");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		reply_err(req, 405, "only GET");
		return;
	}
	path = evhttp_uri_get_path(uri);
	query = evhttp_uri_get_query(uri);
	if (path == NULL)
		path = "";
	if (strncmp(path, "/api/c/", 7) == 0)
		http_send(req, path + 7, query);
	else if (strncmp(path, "/api/inbox/", 11) == 0)
		http_inbox(req, path + 11, query);
	else if (strncmp(path, "/api/user/", 10) == 0)
		http_user(req, path + 10);
	else if (strcmp(path, "/healthz") == 0) {
		struct evbuffer *b = evhttp_request_get_output_buffer(req);
		if (redis_ready) {
			evbuffer_add(b, "ok\n", 3);
			reply_text(req, 200, "text/plain");
		} else {
			evbuffer_add_printf(b, "not ready: %s\n", redis_why());
			reply_text(req, 503, "text/plain");
		}
	} else if (strcmp(path, "/metrics") == 0) {
		metrics_text(evhttp_request_get_output_buffer(req));
		reply_text(req, 200, "text/plain; version=0.0.4");
	} else
		reply_err(req, 404, "unknown path");
}

void
http_start(void)
{
	if ((http = evhttp_new(base)) == NULL)
		errx(1, "evhttp_new failed");
	/* Every method reaches http_cb, which answers 405 to all but GET:
	 * evhttp itself answers 501 to a method not allowed here, and to one
	 * it does not know ("get", "FOO"), which it marks with a bit of its
	 * own (1 << 15 in libevent 2.1) that the full mask lets through. */
	evhttp_set_allowed_methods(http, 0xffff);
	evhttp_set_max_headers_size(http, 8192);
	evhttp_set_max_body_size(http, 4096);
	evhttp_set_timeout(http, 60);
	/* reply_json's documents go out with evhttp's default Content-Type. */
	evhttp_set_default_content_type(http, "application/json");
	evhttp_set_gencb(http, http_cb, NULL);
	if (evhttp_bind_socket(http, cfg.addr, (ev_uint16_t)cfg.http_port) != 0)
		err(1, "cannot listen on %s:%d", cfg.addr, cfg.http_port);
}

void
http_stop(void)
{
	evhttp_free(http);
	rq_stop();
}
