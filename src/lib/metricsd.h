/* metricsd.h: a /metrics endpoint for a tool that serves nothing else
 * (msgclient, on the host contract's PORT_CLIENT): evhttp on the tool's
 * event loop, GET /metrics answered with what fill writes (Prometheus
 * text), 404 for any other path, 405 for any other method. */
#ifndef CS_METRICSD_H
#define CS_METRICSD_H

#include <event2/buffer.h>
#include <event2/event.h>

struct metricsd;

/* Listen on addr:port; NULL (errno set) when it cannot. */
struct metricsd *metricsd_start(struct event_base *base, const char *addr, int port,
                                void (*fill)(struct evbuffer *, void *), void *arg);

void metricsd_stop(struct metricsd *m);

#endif
