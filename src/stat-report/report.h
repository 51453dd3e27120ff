/* report.h: what stat-report's files share: a recording read into time
 * bins (read.c), drawn (plot.c), held against thresholds (slo.c) and told
 * in markdown (main.c). */
#ifndef CS_REPORT_H
#define CS_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"
#include "hostidx.h"

#define EVENTS_MAX 60           /* events listed in the report */

/* Per bin and host (float, NAN = no line of the host in the bin). */
enum { S_ACKS, S_SENT, S_DT, S_USR, S_SYS, S_STL, S_CPUS, S_SRVCPU, S_MUSED, S_RMEM, S_RSS,
	S_DOWN, NSERIES };

struct event {
	double ts, end;           /* end: a down interval's; NAN for a restart */
	size_t host;
	char   what[32];          /* "down", "cellsrv restarted", ... */
};

struct run {
	const char *path;
	double      t0, t1;       /* first and last tick */
	double      interval;     /* stat-collect's tick, s */
	double      binw;         /* seconds per bin */
	size_t      nbins;
	struct hostidx hidx;      /* the hosts, in the order first seen */
	size_t      nhosts;       /* hidx.n */
	char      (*host)[64];    /* hidx.name */
	unsigned long long lines;
	int         nle;          /* latency bucket bounds seen, ascending */
	double      le[HIST_MAX];
	float      *s[NSERIES];   /* s[k][bin * nhosts + host] */
	uint64_t   *lat;          /* lat[bin * nle + i]: all hosts' counts */
	struct hist all;          /* the whole run's buckets, all hosts */
	struct hist *hlat;        /* per host, the whole run */
	double     *acks, *sent, *steal_max, *down_s;   /* per host, the whole run */
	int        *restarts;
	int         has[NSERIES]; /* some line had it */
	struct event ev[EVENTS_MAX];
	size_t      nev, nev_all;
};

/* Read path into r, in two passes (range, hosts and bounds; then the
 * bins), at most maxpts bins. Exits 1 naming the file and line on a bad
 * line. O(lines) time, O(bins x hosts) memory. */
void run_read(struct run *r, const char *path, size_t maxpts);

/* The value of series k at bin b, host h. */
static inline float
run_at(const struct run *r, int k, size_t b, size_t h)
{
	return r->s[k][b * r->nhosts + h];
}

/* The bucket counts of bin b (all hosts) as a histogram. */
void run_bin_hist(const struct run *r, size_t b, struct hist *h);

/* Draw the PNGs into dir with gnuplot: throughput.png, latency.png,
 * cpu.png, memory.png (those the data allow); their names, with a title
 * each, are listed in *names (NULL-terminated, static). 0, or -1 with a
 * message when gnuplot failed. */
int plot_all(const struct run *r, const char *dir, const char *title, const char ***names);

/* Hold the run (and the checkdb summary, when given) against the
 * thresholds of slo: print one "[slo] ..." line per term on stderr and the
 * markdown table on md (when not NULL). Returns 0 when all hold, 1 when one
 * is broken or cannot be told; exits 2 on a malformed slo. */
int slo_check(const struct run *r, const char *slo, const char *summary, FILE *md);

/* Time in seconds as the plots' x axis shows it: the unit for a run of
 * span seconds ("s", "min" or "h") and its size in seconds. */
const char *time_unit(double span, double *size);

#endif
