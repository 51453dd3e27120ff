/* reply.c: how cellsrv answers an HTTP request: one-line JSON documents
 * (errors as {"error": "..."}) or text, with a Date made once a second;
 * the struct rq that keeps a request while its Redis call is in flight and
 * notices the client going away; the Redis replies of cs_user and
 * cs_inbox, and the functions' errors, turned into answers. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "cellsrv.h"
#include "peerline.h"

static struct rq *rq_free;

static const char *
reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 503: return "Service Unavailable";
	default:  return "Internal Server Error";
	}
}

static int
dump_cb(const char *buf, size_t size, void *data)
{
	return evbuffer_add(data, buf, size);
}

/* Add the Date header from a string made once a second (evhttp would
 * format it for every reply), and to a 503 Retry-After. */
static void
add_headers(struct evhttp_request *req, int code)
{
	static char date[64];
	static time_t last;
	time_t t = time(NULL);

	if (t != last) {
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = t;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Date", date);
	if (code == 503)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
}

void
reply_json(struct evhttp_request *req, int code, json_t *j)
{
	struct evbuffer *b = evhttp_request_get_output_buffer(req);
	char buf[256];
	size_t n;

	if (j == NULL)
		errx(1, "jansson: cannot build a reply");
	/* Small documents go through one buffer, large ones token by token. */
	if ((n = json_dumpb(j, buf, sizeof buf - 1, JSON_COMPACT)) > 0 && n < sizeof buf - 1) {
		buf[n++] = '\n';
		evbuffer_add(b, buf, n);
	} else {
		if (json_dump_callback(j, dump_cb, b, JSON_COMPACT) < 0)
			errx(1, "jansson: cannot build a reply");
		evbuffer_add(b, "\n", 1);
	}
	json_decref(j);
	add_headers(req, code);
	st.http[code]++;
	evhttp_send_reply(req, code, reason(code), NULL);
}

void
reply_err(struct evhttp_request *req, int code, const char *msg)
{
	reply_json(req, code, json_pack("{s:s}", "error", msg));
}

void
reply_text(struct evhttp_request *req, int code, const char *type)
{
	add_headers(req, code);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	st.http[code]++;
	evhttp_send_reply(req, code, reason(code), NULL);
}

struct rq *
rq_new(struct evhttp_request *req)
{
	struct rq *q = rq_free;

	if (q != NULL)
		rq_free = q->next;
	else
		q = emalloc(sizeof *q);
	memset(q, 0, sizeof *q);
	q->req = req;
	return q;
}

void
rq_put(struct rq *q)
{
	q->next = rq_free;
	rq_free = q;
}

void
rq_stop(void)
{
	struct rq *q;

	while ((q = rq_free) != NULL) {
		rq_free = q->next;
		free(q);
	}
}

static void
on_http_close(struct evhttp_connection *conn, void *arg)
{
	struct rq *q = arg;

	(void)conn;
	q->req = NULL;
}

struct evhttp_request *
rq_take(struct rq *q)
{
	if (q->req != NULL)
		evhttp_connection_set_closecb(q->conn, NULL, NULL);
	return q->req;
}

void
rq_watch(struct rq *q)
{
	q->conn = evhttp_request_get_connection(q->req);
	evhttp_connection_set_closecb(q->conn, on_http_close, q);
}

int
rq_call(struct rq *q, redisCallbackFn *fn, int argc, const char **argv, const size_t *len)
{
	if (redis_call(fn, q, argc, argv, len) < 0) {
		reply_unready(q->req);
		rq_put(q);
		return -1;
	}
	inflight++;
	rq_watch(q);
	return 0;
}

void
reply_unready(struct evhttp_request *req)
{
	char msg[200];

	snprintf(msg, sizeof msg, "not ready: %s", redis_why());
	reply_err(req, 503, msg);
}

void
reply_redis_err(struct evhttp_request *req, const redisReply *rep)
{
	if (redis_fault(rep) >= 0)
		reply_unready(req);
	else if ((rep->type != REDIS_REPLY_ERROR && rep->type != REDIS_REPLY_STRING) ||
	    rep->str == NULL) {
		logmsg(1, "redis: unexpected reply (type %d, %zu elements)", rep->type,
		    rep->type == REDIS_REPLY_ARRAY ? rep->elements : (size_t)0);
		reply_err(req, 500, "redis error");
	} else if (strncmp(rep->str, "NOUSER", 6) == 0)
		reply_err(req, 404, "unknown user");
	else if (strncmp(rep->str, "BADRECORD", 9) == 0) {
		logmsg(1, "redis: %s", rep->str);
		reply_err(req, 500, "damaged user record");
	} else if (strncmp(rep->str, "NOTFRIEND", 9) == 0)
		reply_err(req, 403, "not a friend");
	else if (strncmp(rep->str, "CONFLICT", 8) == 0)
		reply_err(req, 409, "message id accepted with another friend or body");
	else if (strncmp(rep->str, "BADID", 5) == 0)
		reply_err(req, 400, "malformed message id");
	else if (strncmp(rep->str, "WINDOW", 6) == 0)
		reply_err(req, 400, "message id too far above SendAckId");
	else {
		logmsg(1, "redis error: %s", rep->str);
		reply_err(req, 500, "redis error");
	}
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* The start of a cs_user or cs_inbox reply callback: q's request, when
 * its client is still there and rep is an array of min elements or more;
 * else NULL, once the error is answered (to a client still there) and q
 * put. */
static struct evhttp_request *
reply_start(struct rq *q, redisReply *rep, size_t min)
{
	struct evhttp_request *req = rq_take(q);

	redis_reply_seen(rep, 1);
	if (req == NULL || rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements < min) {
		if (req != NULL)
			reply_redis_err(req, rep);
		rq_put(q);
		return NULL;
	}
	return req;
}

/* A JSON array of the n numbers of items (strings), ascending. */
static json_t *
sorted_ids(redisReply **item, size_t n)
{
	long long *v = ereallocarray(NULL, n + 1, sizeof *v);
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL)
		errx(1, "jansson: out of memory");
	for (i = 0; i < n; i++)
		v[i] = item[i]->type == REDIS_REPLY_STRING ? strtoll(item[i]->str, NULL, 10) :
		    item[i]->integer;
	qsort(v, n, sizeof *v, cmp_ll);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	free(v);
	return a;
}

void
on_user(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;
	struct rq *q = priv;
	struct evhttp_request *req;
	size_t nf;

	(void)c;
	if ((req = reply_start(q, rep, 5)) == NULL)
		return;
	nf = (size_t)rep->element[4]->integer;
	if (nf > rep->elements - 5) {
		logmsg(1, "redis: cs_user: %zu friends in a reply of %zu elements", nf, rep->elements);
		reply_err(req, 500, "redis error");
		rq_put(q);
		return;
	}
	reply_json(req, 200, json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "UserId", (json_int_t)q->u,
	    "SendId", (json_int_t)rep->element[0]->integer,
	    "SendAckId", (json_int_t)rep->element[1]->integer,
	    "ReceiveId", (json_int_t)rep->element[2]->integer,
	    "ClientReceiveId", (json_int_t)rep->element[3]->integer,
	    "friends", sorted_ids(rep->element + 5, nf),
	    "Acked", sorted_ids(rep->element + 5 + nf, rep->elements - 5 - nf)));
	rq_put(q);
}

/* An inbox entry (peerline.h) as {"from","seq","id","body"}; a damaged one
 * as it is stored, in "body", with the numbers 0. */
static json_t *
inbox_entry(const redisReply *r)
{
	struct peerline e;
	json_t *body;

	if (r->type != REDIS_REPLY_STRING || peerline_inbox(&e, r->str, r->len) != NULL) {
		memset(&e, 0, sizeof e);
		e.body = r->str;
		e.blen = r->len;
	}
	if (e.body == NULL || (body = json_stringn(e.body, e.blen)) == NULL)
		body = json_null();     /* not UTF-8: only a foreign peer can do that */
	return json_pack("{s:I,s:I,s:I,s:o}", "from", (json_int_t)e.from, "seq", (json_int_t)e.seq,
	    "id", (json_int_t)e.k, "body", body);
}

void
on_inbox(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;
	struct rq *q = priv;
	struct evhttp_request *req;
	json_t *a;
	size_t i;

	(void)c;
	if ((req = reply_start(q, rep, 1)) == NULL)
		return;
	if ((a = json_array()) == NULL)
		errx(1, "jansson: out of memory");
	for (i = 1; i < rep->elements; i++)
		json_array_append_new(a, inbox_entry(rep->element[i]));
	reply_json(req, 200, a);
	rq_put(q);
}
