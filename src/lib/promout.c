/* promout.c: the Prometheus text writer of promout.h. */
#include <sys/random.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "promout.h"

void
prom_self_init(struct prom_self *s)
{
	struct timespec ts;
	uint64_t r = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
		r = ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 16);
	snprintf(s->instance, sizeof s->instance, "%016llx", (unsigned long long)r);
	s->start = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
prom_head(struct evbuffer *b, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
value(struct evbuffer *b, double v)
{
	if (isnan(v))
		evbuffer_add_printf(b, " NaN\n");
	else if (isinf(v))
		evbuffer_add_printf(b, " %sInf\n", v > 0 ? "+" : "-");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		evbuffer_add_printf(b, " %.0f\n", v);
	else
		evbuffer_add_printf(b, " %.16g\n", v);
}

void
prom_val(struct evbuffer *b, const char *name, const char *labels, double v)
{
	if (labels != NULL && *labels)
		evbuffer_add_printf(b, "%s{%s}", name, labels);
	else
		evbuffer_add_printf(b, "%s", name);
	value(b, v);
}

void
prom_one(struct evbuffer *b, const char *name, const char *type, const char *help, double v)
{
	prom_head(b, name, type, help);
	prom_val(b, name, NULL, v);
}

void
prom_hist(struct evbuffer *b, const char *name, const char *help, const double *le,
    const unsigned long long *c, int n, double sum)
{
	unsigned long long cum = 0;
	int i;

	prom_head(b, name, "histogram", help);
	for (i = 0; i <= n; i++) {
		cum += c[i];
		if (i < n)
			evbuffer_add_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, le[i], cum);
		else
			evbuffer_add_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, cum);
	}
	evbuffer_add_printf(b, "%s_sum %.6f\n%s_count %llu\n", name, sum, name, cum);
}
