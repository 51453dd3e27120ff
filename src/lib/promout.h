/* promout.h: writing the Prometheus text format (0.0.4) as cellsrv's and
 * msgclient's /metrics serve it: every metric family once, its # HELP and
 * # TYPE first (what `promtool check metrics` asks for), then its samples.
 * Into a libevent buffer, the one both servers answer from. */
#ifndef CS_PROMOUT_H
#define CS_PROMOUT_H

#include <event2/buffer.h>

/* Who a process is, for its /metrics: a random id of this process (16 hex
 * digits: two processes answering alike are told apart, a restart is
 * seen) and when it started (Unix seconds). */
struct prom_self {
	char   instance[17];
	double start;
};

void prom_self_init(struct prom_self *s);

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void prom_head(struct evbuffer *b, const char *name, const char *type, const char *help);

/* A sample "name{labels} value"; labels is the text between the braces
 * (label="value",...) or NULL. Integers below 2^53 print exactly, without
 * a fraction; other values with 16 significant digits (a Unix time to the
 * microsecond). */
void prom_val(struct evbuffer *b, const char *name, const char *labels, double v);

/* A family of one sample: prom_head, then prom_val without labels. */
void prom_one(struct evbuffer *b, const char *name, const char *type, const char *help, double v);

/* A histogram family: its head, the cumulative buckets of c[0..n] (c[n] the
 * samples above le[n-1], le="+Inf"), _sum and _count. */
void prom_hist(struct evbuffer *b, const char *name, const char *help, const double *le,
               const unsigned long long *c, int n, double sum);

#endif
