/* read.c: a recording (stat-collect's lines) read into time bins: pass one
 * finds the time range, the hosts and the latency bucket bounds, pass two
 * adds every line into its bin, so memory grows with bins x hosts, never
 * with the file. */
#include <err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "hostidx.h"
#include "lines.h"
#include "report.h"
#include "statline.h"

/* Bins x hosts kept at most: 4,000 bins of 40 hosts fit; 1,000 hosts get
 * 400 bins each. */
#define CELLS_MAX 400000

static int
le_index(const struct run *r, double le)
{
	int lo = 0, hi = r->nle - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (r->le[mid] == le)
			return mid;
		if (r->le[mid] < le)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Call fn for every data line of the file, and take stat-collect's interval
 * from its header comments. */
static void
each_line(struct run *r, void (*fn)(struct run *, const struct statline *, struct lines *))
{
	struct statline *sl = emalloc(sizeof *sl);
	struct lines l;
	char *line;
	ssize_t len;
	FILE *fp = fopen(r->path, "r");

	if (fp == NULL)
		err(1, "%s", r->path);
	lines_init_block(&l, fp, r->path, STATLINE_MAX);
	while ((len = lines_next(&l, &line)) >= 0) {
		const char *why, *p;

		if (statline_skip(line, (size_t)len)) {
			if (strncmp(line, "# stat-collect ", 15) == 0 && (p = strstr(line, " interval=")) != NULL &&
			    atof(p + 10) > 0)
				r->interval = atof(p + 10);
			continue;
		}
		if (statline_parse(sl, line, (size_t)len, &why) != 0)
			lines_die(&l, "%s", why);
		fn(r, sl, &l);
	}
	if (ferror(fp))
		err(1, "%s", r->path);
	lines_free(&l);
	fclose(fp);
	free(sl);
}

static void
pass1(struct run *r, const struct statline *sl, struct lines *l)
{
	const char *v = statline_get(sl, "lat");

	if (r->lines == 0 || sl->ts < r->t0)
		r->t0 = sl->ts;
	if (r->lines == 0 || sl->ts > r->t1)
		r->t1 = sl->ts;
	r->lines++;
	hostidx_find(&r->hidx, sl->host, 1);
	if (v != NULL) {
		struct hist h;
		int i;
		hist_clear(&h);
		if (hist_parse_add(&h, v, strlen(v)) != 0)
			lines_die(l, "lat=: not le:count,...: \"%.60s\"", v);
		for (i = 0; i < h.n; i++)
			if (le_index(r, h.le[i]) < 0) {
				int k = r->nle;
				if (k == HIST_MAX)
					lines_die(l, "more than %d latency bucket bounds", HIST_MAX);
				while (k > 0 && r->le[k - 1] > h.le[i]) {
					r->le[k] = r->le[k - 1];
					k--;
				}
				r->le[k] = h.le[i];
				r->nle++;
			}
	}
}

static void
add(struct run *r, int k, size_t b, size_t h, double x)
{
	float *p = &r->s[k][b * r->nhosts + h];

	if (isnan(x))
		return;
	*p = isnan(*p) ? (float)x : *p + (float)x;
	r->has[k] = 1;
}

static void
set(struct run *r, int k, size_t b, size_t h, double x)
{
	if (isnan(x))
		return;
	r->s[k][b * r->nhosts + h] = (float)x;
	r->has[k] = 1;
}

static void
event(struct run *r, double ts, size_t h, const char *what)
{
	struct event *e;

	r->nev_all++;
	if (r->nev == EVENTS_MAX)
		return;
	e = &r->ev[r->nev++];
	e->ts = ts;
	e->end = NAN;
	e->host = h;
	snprintf(e->what, sizeof e->what, "%s", what);
}

/* Per host while reading: since when it has not answered, and whether the
 * gap saw a "down" line (an event) or only a stale one. */
static double *gap_start;
static int    *gap_down;
static size_t *gap_event;

static void
pass2(struct run *r, const struct statline *sl, struct lines *l)
{
	size_t h = hostidx_find(&r->hidx, sl->host, 0);
	double pos = (sl->ts - r->t0) / r->binw, dt, ncpu, x;
	size_t b = pos < 0 ? 0 : pos >= (double)r->nbins ? r->nbins - 1 : (size_t)pos;
	const char *v;

	if (sl->state != ST_UP) {
		set(r, S_DOWN, b, h, sl->state);
		if (isnan(gap_start[h])) {
			gap_start[h] = sl->ts - statline_num(sl, "age", 0);
			gap_down[h] = 0;
		}
		if (sl->state == ST_DOWN && !gap_down[h]) {
			gap_down[h] = 1;
			gap_event[h] = r->nev;
			event(r, gap_start[h], h, "did not answer");
		}
		return;
	}
	if (!isnan(gap_start[h])) {
		if (gap_down[h]) {
			r->down_s[h] += sl->ts - gap_start[h];
			if (gap_event[h] < r->nev)
				r->ev[gap_event[h]].end = sl->ts;
		}
		gap_start[h] = NAN;
	}
	set(r, S_DOWN, b, h, run_at(r, S_DOWN, b, h) > 0 ? run_at(r, S_DOWN, b, h) : 0);
	if ((v = statline_get(sl, "restart")) != NULL) {
		char what[32];
		snprintf(what, sizeof what, "%s restarted", v);
		event(r, sl->ts, h, what);
		r->restarts[h]++;
	}
	if (statline_num(sl, "mtotal", 0) > 0)
		set(r, S_MUSED, b, h, statline_num(sl, "mtotal", 0) - statline_num(sl, "mavail", 0));
	set(r, S_RMEM, b, h, statline_num(sl, "rmem", NAN));
	set(r, S_RSS, b, h, statline_num(sl, "rss", NAN));
	dt = statline_num(sl, "dt", NAN);
	if (isnan(dt))
		return;                         /* a first answer: gauges only */
	add(r, S_ACKS, b, h, x = statline_num(sl, "acks", NAN));
	r->acks[h] += isnan(x) ? 0 : x;
	add(r, S_SENT, b, h, x = statline_num(sl, "sent", NAN));
	r->sent[h] += isnan(x) ? 0 : x;
	add(r, S_DT, b, h, dt);
	add(r, S_SRVCPU, b, h, statline_num(sl, "cpu", NAN));
	ncpu = statline_num(sl, "ncpu", NAN);
	if (!isnan(ncpu) && statline_get(sl, "usr") != NULL) {
		add(r, S_USR, b, h, statline_num(sl, "usr", 0));
		add(r, S_SYS, b, h, statline_num(sl, "sys", 0));
		add(r, S_STL, b, h, x = statline_num(sl, "stl", 0));
		add(r, S_CPUS, b, h, dt * ncpu);
		if (dt * ncpu > 0 && 100 * x / (dt * ncpu) > r->steal_max[h])
			r->steal_max[h] = 100 * x / (dt * ncpu);
	}
	if ((v = statline_get(sl, "lat")) != NULL) {
		struct hist hh;
		int i;
		hist_clear(&hh);
		if (hist_parse_add(&hh, v, strlen(v)) != 0)
			lines_die(l, "lat=: not le:count,...");
		for (i = 0; i < hh.n; i++) {
			int k = le_index(r, hh.le[i]);
			if (k < 0)
				lines_die(l, "the file changed while it was read");
			r->lat[b * (size_t)r->nle + (size_t)k] += hh.c[i];
		}
		hist_merge(&r->all, &hh);
		hist_merge(&r->hlat[h], &hh);
	}
}

void
run_read(struct run *r, const char *path, size_t maxpts)
{
	size_t k, n, cap;

	memset(r, 0, sizeof *r);
	r->path = path;
	each_line(r, pass1);
	if (r->lines == 0)
		errx(1, "%s: no stats lines", path);
	if (!(r->interval > 0))
		r->interval = 3;
	r->host = r->hidx.name;
	r->nhosts = r->hidx.n;
	cap = CELLS_MAX / r->nhosts;
	if (cap < 100)
		cap = 100;
	if (maxpts > cap)
		maxpts = cap;
	/* one bin per tick while they fit; wider bins, of whole ticks, when not */
	n = (size_t)ceil((r->t1 - r->t0) / r->interval) + 1;
	r->binw = r->interval * ceil((double)n / (double)maxpts);
	r->nbins = (size_t)floor((r->t1 - r->t0) / r->binw) + 1;
	for (k = 0; k < NSERIES; k++) {
		r->s[k] = emalloc(r->nbins * r->nhosts * sizeof *r->s[k]);
		for (n = 0; n < r->nbins * r->nhosts; n++)
			r->s[k][n] = NAN;
	}
	r->lat = ecalloc(r->nbins * (size_t)(r->nle ? r->nle : 1), sizeof *r->lat);
	r->hlat = ecalloc(r->nhosts, sizeof *r->hlat);
	r->acks = ecalloc(r->nhosts, sizeof *r->acks);
	r->sent = ecalloc(r->nhosts, sizeof *r->sent);
	r->steal_max = ecalloc(r->nhosts, sizeof *r->steal_max);
	r->down_s = ecalloc(r->nhosts, sizeof *r->down_s);
	r->restarts = ecalloc(r->nhosts, sizeof *r->restarts);
	gap_start = emalloc(r->nhosts * sizeof *gap_start);
	gap_down = ecalloc(r->nhosts, sizeof *gap_down);
	gap_event = ecalloc(r->nhosts, sizeof *gap_event);
	for (n = 0; n < r->nhosts; n++)
		gap_start[n] = NAN;
	hist_clear(&r->all);
	each_line(r, pass2);
	for (n = 0; n < r->nhosts; n++)             /* still not answering at the end */
		if (!isnan(gap_start[n]) && gap_down[n])
			r->down_s[n] += r->t1 - gap_start[n];
	free(gap_start);
	free(gap_down);
	free(gap_event);
}

void
run_bin_hist(const struct run *r, size_t b, struct hist *h)
{
	int i;

	h->n = r->nle;
	for (i = 0; i < r->nle; i++) {
		h->le[i] = r->le[i];
		h->c[i] = r->lat[b * (size_t)r->nle + (size_t)i];
	}
}

const char *
time_unit(double span, double *size)
{
	if (span < 600) {
		*size = 1;
		return "s";
	}
	if (span < 36000) {
		*size = 60;
		return "min";
	}
	*size = 3600;
	return "h";
}
