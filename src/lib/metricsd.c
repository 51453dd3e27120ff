/* metricsd.c: the /metrics endpoint of metricsd.h. */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "metricsd.h"

struct metricsd {
	struct evhttp *http;
	void (*fill)(struct evbuffer *, void *);
	void *arg;
};

static void
answer(struct evhttp_request *req, void *arg)
{
	struct metricsd *m = arg;
	struct evbuffer *b = evhttp_request_get_output_buffer(req);
	const char *path = evhttp_request_get_uri(req);

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_send_error(req, 405, "only GET");
		return;
	}
	if (path == NULL || (strcmp(path, "/metrics") != 0 && strncmp(path, "/metrics?", 9) != 0)) {
		evhttp_send_error(req, 404, "only /metrics");
		return;
	}
	m->fill(b, m->arg);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, "OK", NULL);
}

struct metricsd *
metricsd_start(struct event_base *base, const char *addr, int port,
    void (*fill)(struct evbuffer *, void *), void *arg)
{
	struct metricsd *m = calloc(1, sizeof *m);

	if (m == NULL || (m->http = evhttp_new(base)) == NULL) {
		free(m);
		return NULL;
	}
	m->fill = fill;
	m->arg = arg;
	evhttp_set_allowed_methods(m->http, 0xffff);
	evhttp_set_max_headers_size(m->http, 8192);
	evhttp_set_max_body_size(m->http, 1024);
	evhttp_set_timeout(m->http, 10);
	evhttp_set_gencb(m->http, answer, m);
	if (evhttp_bind_socket(m->http, addr, (ev_uint16_t)port) != 0) {
		evhttp_free(m->http);
		free(m);
		return NULL;
	}
	return m;
}

void
metricsd_stop(struct metricsd *m)
{
	if (m != NULL) {
		evhttp_free(m->http);
		free(m);
	}
}
