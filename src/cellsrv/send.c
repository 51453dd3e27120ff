/* send.c: the SENDs of one loop turn (at most SEND_BATCH) go to Redis as
 * one cs_sendv call, which returns one SEND reply per SEND: each is
 * answered with the sender's counters and its items forwarded to the other
 * cells. One call instead of many is most of cellsrv's throughput. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "cellsrv.h"
#include "clock.h"

#define SEND_BATCH 64                  /* SENDs per FCALL cs_sendv */

/* The SENDs of one cs_sendv call. */
struct batch {
	int        n;
	struct rq *q[SEND_BATCH];
};

static struct rq    *pend[SEND_BATCH];  /* SENDs waiting for the flush */
static int           npend;
static struct event *flush_ev;

/* One SEND's part of a cs_sendv reply: answer the client, forward what the
 * step produced. */
static void
send_done(struct rq *q, const redisReply *rep)
{
	static const char *status[] = { "done", "retx", "park", "acc" };
	static json_t *obj, *v[4];
	struct evhttp_request *req = rq_take(q);
	redisReply **e;
	long long i, acc;
	double t;

	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements < 8) {
		if (req != NULL) {
			if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
			    rep->element[0]->type == REDIS_REPLY_STRING)
				reply_redis_err(req, rep->element[0]);
			else
				reply_redis_err(req, rep);
		}
		rq_put(q);
		return;
	}
	e = rep->element;
	for (i = 0; i < 4; i++)
		if (strcmp(e[0]->str, status[i]) == 0)
			st.sends[i]++;
	acc = e[4]->integer;
	st.accepted += (unsigned long long)acc;
	st.delivered += (unsigned long long)e[5]->integer;
	st.acked += (unsigned long long)e[6]->integer;
	st.dup_dlv += (unsigned long long)e[7]->integer;
	t = 0;
	if (acc > 0) {
		/* Same-cell messages are acked in the accepting call itself. */
		t = cs_now();
		lat_local((unsigned long long)e[6]->integer);
	}
	forward(e + 8, rep->elements - 8, t);
	if (req != NULL) {
		/* One reused object: jansson builds the text, no allocation. */
		if (obj == NULL) {
			for (i = 0; i < 4; i++)
				v[i] = json_integer(0);
			obj = json_pack("{s:O,s:O,s:O,s:O}", "UserId", v[0], "SendId", v[1],
			    "SendAckId", v[2], "ReceiveId", v[3]);
			if (obj == NULL)
				errx(1, "jansson: out of memory");
		}
		json_integer_set(v[0], q->u);
		for (i = 1; i < 4; i++)
			json_integer_set(v[i], e[i]->integer);
		reply_json(req, 200, json_incref(obj));
	}
	rq_put(q);
}

static void
on_sendv(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;
	struct batch *b = priv;
	int i;

	(void)c;
	redis_reply_seen(rep, b->n);
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements != (size_t)b->n)
		errx(1, "cs_sendv: %zu replies for %d SENDs", rep->elements, b->n);
	for (i = 0; i < b->n; i++)
		send_done(b->q[i], rep == NULL || rep->type != REDIS_REPLY_ARRAY ? rep :
		    rep->element[i]);
	free(b);
}

/* Send the waiting SENDs as one cs_sendv call. Runs at the end of the loop
 * turn that received them (or when the batch is full). */
static void
flush_sends(evutil_socket_t fd, short what, void *arg)
{
	static const char *argv[6 + 4 * SEND_BATCH];
	static size_t len[6 + 4 * SEND_BATCH];
	static char slo[24], shi[24], sw[24];
	struct batch *b;
	int i, argc = 6;

	(void)fd; (void)what; (void)arg;
	if (npend == 0)
		return;
	b = emalloc(sizeof *b);
	b->n = npend;
	memcpy(b->q, pend, (size_t)npend * sizeof pend[0]);
	npend = 0;
	snprintf(slo, sizeof slo, "%lld", self->lo);
	snprintf(shi, sizeof shi, "%lld", self->hi);
	snprintf(sw, sizeof sw, "%lld", cfg.window);
	argv[0] = "FCALL"; argv[1] = "cs_sendv"; argv[2] = "0";
	argv[3] = slo; argv[4] = shi; argv[5] = sw;
	for (i = 0; i < 6; i++)
		len[i] = strlen(argv[i]);
	for (i = 0; i < b->n; i++) {
		struct rq *q = b->q[i];
		int j;
		for (j = 0; j < 3; j++) {
			argv[argc] = q->num[j];
			len[argc++] = strlen(q->num[j]);
		}
		argv[argc] = q->body;
		len[argc++] = q->blen;
	}
	if (redis_call(on_sendv, b, argc, argv, len) < 0) {
		inflight -= b->n;
		for (i = 0; i < b->n; i++) {
			struct evhttp_request *req = rq_take(b->q[i]);
			if (req != NULL)
				reply_unready(req);
			rq_put(b->q[i]);
		}
		free(b);
	}
}

void
send_queue(struct rq *q)
{
	rq_watch(q);
	inflight++;
	pend[npend++] = q;
	if (npend == SEND_BATCH)
		flush_sends(-1, 0, NULL);
	else if (npend == 1)
		event_active(flush_ev, 0, 0);
}

void
send_start(void)
{
	if ((flush_ev = event_new(base, -1, 0, flush_sends, NULL)) == NULL)
		errx(1, "event_new failed");
}

void
send_stop(void)
{
	flush_sends(-1, 0, NULL);
	event_free(flush_ev);
}
