/* promout.h: writing the Prometheus text format (0.0.4) as cellsrv's and
 * msgclient's /metrics serve it: every metric family once, its # HELP and
 * # TYPE first (what `promtool check metrics` asks for), then its samples.
 * Into a libevent buffer, the one both servers answer from. */
#ifndef CS_PROMOUT_H
#define CS_PROMOUT_H

#include <event2/buffer.h>

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void prom_head(struct evbuffer *b, const char *name, const char *type, const char *help);

/* A sample "name{labels} value"; labels is the text between the braces
 * (label="value",...) or NULL. Values print exactly: integers below 2^53
 * without a fraction. */
void prom_val(struct evbuffer *b, const char *name, const char *labels, double v);

/* A family of one sample: prom_head, then prom_val without labels. */
void prom_one(struct evbuffer *b, const char *name, const char *type, const char *help, double v);

/* A histogram family: its head, the cumulative buckets of c[0..n] (c[n] the
 * samples above le[n-1], le="+Inf"), _sum and _count. */
void prom_hist(struct evbuffer *b, const char *name, const char *help, const double *le,
               const unsigned long long *c, int n, double sum);

#endif
