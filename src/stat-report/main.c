/* stat-report: what a recording of stat-collect's lines (results/stats.tsv)
 * shows, for report.md: the plots (plot.c), the whole run's latency
 * percentiles from the merged buckets with the bounds the exact value lies
 * in, a row per host, the events (hosts not answering, restarts); and the
 * thresholds of SLO= held against it (slo.c), for make check and CI. */
#include <err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ealloc.h"
#include "fshut.h"
#include "human.h"
#include "opt.h"
#include "report.h"

static struct config {
	const char *outdir;       /* -o: where the PNGs go */
	const char *slo;          /* -s: thresholds */
	const char *summary;      /* -S: checkdb's summary (results/summary.txt) */
	long long   maxpts;       /* -m: points per series at most */
	const char *title;        /* -t: the run, in the plots' titles */
	int         quiet;        /* -q: no markdown */
	int         pctl;         /* -L: the whole run's percentiles, for scripts */
} cfg;

static const struct config defaults = {
	.maxpts = 4000,
};

static char *
commas(double v, char *buf, size_t size)
{
	char d[32];
	int n = snprintf(d, sizeof d, "%.0f", v), i, o = 0;

	for (i = 0; i < n && (size_t)o + 2 < size; i++) {
		if (i > 0 && d[i - 1] != '-' && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = d[i];
	}
	buf[o] = '\0';
	return buf;
}

static char *
clock_of(double ts, char *buf, size_t size)
{
	time_t t = (time_t)ts;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%H:%M:%S", &tm);
	return buf;
}

static void
latency_table(const struct run *r)
{
	static const struct { const char *name; double q; } qs[] = {
		{ "p50", 0.5 }, { "p90", 0.9 }, { "p95", 0.95 }, { "p99", 0.99 }, { "p99.9", 0.999 },
	};
	char a[16], b[16], c[16], n[32];
	size_t i;

	printf("\n### SEND->ACK latency over the whole run\n\n");
	if (hist_count(&r->all) == 0) {
		printf("No latency was recorded.\n");
		return;
	}
	printf("From the histogram buckets of every host merged (%s messages), never an average of\n"
	    "percentiles. A percentile is interpolated within its bucket; the exact value lies\n"
	    "between the bucket's bounds, so their ratio is the error bound.\n\n"
	    "| percentile | value | exact value between |\n|---|---:|---|\n",
	    commas((double)hist_count(&r->all), n, sizeof n));
	for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		struct pctl p = hist_pctl(&r->all, qs[i].q);
		if (isinf(p.hi))
			printf("| %s | over %s | %s and more (the last bucket) |\n", qs[i].name,
			    human_latency(p.lo, a, sizeof a), human_latency(p.lo, b, sizeof b));
		else
			printf("| %s | %s | %s and %s |\n", qs[i].name, human_latency(p.value, a, sizeof a),
			    human_latency(p.lo, b, sizeof b), human_latency(p.hi, c, sizeof c));
	}
	{
		struct pctl p = hist_pctl(&r->all, 1);
		printf("| max | at most %s | %s and %s |\n", isinf(p.hi) ? "-" : human_latency(p.hi, a, sizeof a),
		    human_latency(p.lo, b, sizeof b), isinf(p.hi) ? "more" : human_latency(p.hi, c, sizeof c));
	}
}

static void
hosts_table(const struct run *r)
{
	char a[32], b[16], c[16], d[16];
	size_t h;
	double span = r->t1 - r->t0;

	printf("\n### Hosts\n\n| host | messages acked | acked / s | p99 | steal, worst tick | not answering | restarts |\n"
	    "|---|---:|---:|---:|---:|---:|---:|\n");
	for (h = 0; h < r->nhosts; h++) {
		struct pctl p = hist_pctl(&r->hlat[h], 0.99);
		printf("| %s | %s | %s | %s | %.0f%% | %s | %d |\n", r->host[h], commas(r->acks[h], a, sizeof a),
		    human_count(span > 0 ? r->acks[h] / span : 0, b, sizeof b),
		    p.n == 0 ? "-" : isinf(p.hi) ? ">" : human_latency(p.value, c, sizeof c),
		    r->steal_max[h], r->down_s[h] > 0 ? human_secs(r->down_s[h], d, sizeof d) : "-",
		    r->restarts[h]);
	}
}

static void
events(const struct run *r)
{
	char a[16], b[16];
	size_t i;

	if (r->nev_all == 0)
		return;
	printf("\n### Events\n\n");
	for (i = 0; i < r->nev; i++) {
		const struct event *e = &r->ev[i];
		printf("* %s UTC: %s %s", clock_of(e->ts, a, sizeof a), r->host[e->host], e->what);
		if (!strcmp(e->what, "did not answer"))
			printf(isnan(e->end) ? " until the end of the recording\n" : " for %s\n",
			    human_secs(e->end - e->ts, b, sizeof b));
		else
			printf("\n");
	}
	if (r->nev_all > r->nev)
		printf("* ... and %zu more\n", r->nev_all - r->nev);
}

/* -L: "NAME VALUE LO HI" per percentile, in seconds (HI inf for the last
 * bucket), instead of the markdown. */
static void
pctl_lines(const struct run *r)
{
	static const struct { const char *name; double q; } qs[] = {
		{ "p50", 0.5 }, { "p90", 0.9 }, { "p95", 0.95 }, { "p99", 0.99 }, { "p99.9", 0.999 },
	};
	size_t i;

	printf("n %llu\n", hist_count(&r->all));
	for (i = 0; i < sizeof qs / sizeof qs[0] && hist_count(&r->all) > 0; i++) {
		struct pctl p = hist_pctl(&r->all, qs[i].q);
		printf("%s %.9g %.9g %.9g\n", qs[i].name, p.value, p.lo, p.hi);
	}
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: stat-report [-o dir] [-s slo] [-S summary] [-m max_points=%lld] [-t title] [-q | -L] "
	    "[stats.tsv]\n", defaults.maxpts);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct run *r = NULL;
	const char **plots = NULL;
	char a[32], b[16], c[32], t0[32], title[128];
	int ch, rc = 0;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "hLm:o:qS:s:t:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'L': cfg.pctl = cfg.quiet = 1; break;
		case 'm': cfg.maxpts = cs_optnum(ch, optarg, 10, 100000); break;
		case 'o': cfg.outdir = optarg; break;
		case 'q': cfg.quiet = 1; break;
		case 'S': cfg.summary = optarg; break;
		case 's': cfg.slo = optarg; break;
		case 't': cfg.title = optarg; break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (argc == 0 && cfg.slo == NULL))
		usage(stderr, 2);
	if (cfg.title && strpbrk(cfg.title, "\"\\\n")) {
		warnx("-t: the title may not hold \", \\ or a newline");
		usage(stderr, 2);
	}
	if (argc == 1) {
		r = ecalloc(1, sizeof *r);
		run_read(r, argv[0], (size_t)cfg.maxpts);
	}
	if (r != NULL) {
		time_t tt = (time_t)r->t0;
		struct tm tm;
		gmtime_r(&tt, &tm);
		strftime(t0, sizeof t0, "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(title, sizeof title, "%s", cfg.title ? cfg.title : "");
		if (!cfg.title)
			snprintf(title, sizeof title, "%zu host%s", r->nhosts, r->nhosts == 1 ? "" : "s");
		if (cfg.outdir && plot_all(r, cfg.outdir, title, &plots) != 0)
			rc = 1;
		if (!cfg.quiet) {
			printf("\n## The run over time\n\nstat-collect recorded %zu host%s every %s for %s, from %s UTC "
			    "(`%s`, %s lines; a point of a plot is %s).\n",
			    r->nhosts, r->nhosts == 1 ? "" : "s", human_secs(r->interval, b, sizeof b),
			    human_secs(r->t1 - r->t0 + r->interval, a, sizeof a), t0, r->path,
			    commas((double)r->lines, c, sizeof c), human_secs(r->binw, b, sizeof b));
			for (size_t i = 0; plots && plots[i]; i += 2)
				printf("\n![%s](%s)\n", plots[i + 1], plots[i]);
			latency_table(r);
			hosts_table(r);
			events(r);
		}
	}
	if (cfg.pctl && r != NULL)
		pctl_lines(r);
	if (cfg.slo && slo_check(r, cfg.slo, cfg.summary, cfg.quiet ? NULL : stdout) != 0)
		rc = 1;
	fshut(stdout, "<stdout>");
	return rc;
}
