/* test-promout.c: src/lib/promout.c writes what src/lib/promtext.c reads
 * back, value for value, with cellsrv's latency buckets (hist_bounds); the
 * text goes to argv[1] for promtool check metrics (t0702). TAP output. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "hist.h"
#include "promout.h"
#include "promtext.h"
#include "helper/testhelp.h"

struct seen {
	int    n, hist;
	double big, frac, inf, lab, time;
	unsigned long long last_bucket, count;
	char   le[32];
};

static void
on(void *arg, const struct prom_sample *s)
{
	struct seen *z = arg;
	char buf[32];

	z->n++;
	if (prom_is(s, "t_big_total"))
		z->big = s->value;
	else if (prom_is(s, "t_frac"))
		z->frac = s->value;
	else if (prom_is(s, "t_time"))
		z->time = s->value;
	else if (prom_is(s, "t_inf"))
		z->inf = s->value;
	else if (prom_is(s, "t_labelled") && prom_label(s, "who", buf, sizeof buf) == 0 && !strcmp(buf, "a \"b\""))
		z->lab = s->value;
	else if (prom_is(s, "t_lat_seconds_bucket")) {
		z->hist++;
		z->last_bucket = (unsigned long long)s->value;
		prom_label(s, "le", z->le, sizeof z->le);
	} else if (prom_is(s, "t_lat_seconds_count"))
		z->count = (unsigned long long)s->value;
}

int
main(int argc, char *argv[])
{
	struct evbuffer *b = evbuffer_new();
	double le[HIST_MAX];
	unsigned long long c[HIST_MAX + 1] = { 0 };
	int n = hist_bounds(le, HIST_MAX), i;
	struct seen z = { 0 };
	size_t len;
	char *text;
	FILE *fp;

	ok(n == 60 && le[0] == 0.0001 && le[1] == 0.000125 && le[59] == 80,
	    "cellsrv's buckets: 60 bounds, 100 us, 125 us ... 80 s");
	for (i = 1; i < n; i++)
		if (le[i] / le[i - 1] > 1.28 + 1e-9)
			break;
	ok(i == n, "consecutive bounds at most 28% apart");
	prom_one(b, "t_big_total", "counter", "A count past 2^32.", 123456789012.0);
	prom_one(b, "t_frac", "gauge", "A fraction.", 0.125);
	prom_one(b, "t_time", "gauge", "A Unix time to the microsecond.", 1796017927.807123);
	prom_one(b, "t_inf", "gauge", "Infinite.", INFINITY);
	prom_head(b, "t_labelled", "gauge", "Escaped label values.");
	prom_val(b, "t_labelled", "who=\"a \\\"b\\\"\"", 7);
	for (i = 0; i <= n; i++)
		c[i] = (unsigned long long)i;
	prom_hist(b, "t_lat_seconds", "A histogram with cellsrv's buckets.", le, c, n, 1.5);
	len = evbuffer_get_length(b);
	text = (char *)evbuffer_pullup(b, (ev_ssize_t)len);
	ok(prom_parse(text, len, on, &z) == 0, "promtext reads it all");
	ok(z.big == 123456789012.0 && z.frac == 0.125 && isinf(z.inf) && z.lab == 7 &&
	    fabs(z.time - 1796017927.807123) < 1e-6,
	    "values exact: a large count, a fraction, a Unix time to the microsecond, +Inf, an escaped label");
	ok(z.hist == n + 1 && strcmp(z.le, "+Inf") == 0, "a bucket per bound and +Inf");
	ok(z.last_bucket == (unsigned long long)n * (n + 1) / 2 && z.count == z.last_bucket,
	    "buckets cumulative; _count is the +Inf bucket");
	{
		struct prom_self a, b2;
		prom_self_init(&a);
		prom_self_init(&b2);
		ok(strlen(a.instance) == 16 && strspn(a.instance, "0123456789abcdef") == 16 &&
		    strcmp(a.instance, b2.instance) != 0, "prom_self: 16 hex digits, another each time");
		ok(a.start > 1.6e9 && b2.start >= a.start, "prom_self: the start, Unix time");
	}
	if (argc > 1 && (fp = fopen(argv[1], "w")) != NULL) {
		fwrite(text, 1, len, fp);
		fclose(fp);
	}
	evbuffer_free(b);
	return done_testing();
}
