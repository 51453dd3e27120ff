/* hist.h: latency histograms as stat-collect records them and stat-report
 * reads them: Prometheus buckets (upper bound `le`, count in the bucket,
 * not cumulative), merged across hosts and intervals, and percentiles with
 * the bucket that bounds them. The text form is the `lat=` value of a stats
 * line: `le:count,...` in ascending le, each bucket with a count listed
 * together with the bucket before it (count 0 if need be), so a reader
 * knows every counted bucket's lower bound without the server's schema. */
#ifndef CS_HIST_H
#define CS_HIST_H

#include <stddef.h>

#define HIST_MAX 128            /* distinct bucket bounds a histogram holds */

struct hist {
	int                n;
	double             le[HIST_MAX];        /* ascending; +Inf last */
	unsigned long long c[HIST_MAX];         /* samples in (le[i-1], le[i]] */
};

/* A percentile: the value interpolated within its bucket, and the bucket
 * (lo, hi], where the exact value lies. hi is +Inf for the last bucket
 * (the value is then lo: "more than lo"). n = 0: no samples. */
struct pctl {
	double             value, lo, hi;
	unsigned long long n;
};

/* The bucket bounds of cellsrv's SEND->ACK histogram: ten a decade (1,
 * 1.25, 1.6, 2, 2.5, 3.2, 4, 5, 6.3, 8), 100 us to 80 s, so consecutive
 * bounds differ by at most 28%: a percentile read from the buckets is
 * never further than that from the exact value. Writes them into
 * le[0..max) in ascending order (without +Inf) and returns how many. */
int hist_bounds(double *le, int max);

void hist_clear(struct hist *h);

/* Add count to bucket le (created in order when new). -1 when the
 * histogram already holds HIST_MAX bounds. O(n). */
int hist_add(struct hist *h, double le, unsigned long long count);

/* Add every bucket of b to a. -1 when a overflows. */
int hist_merge(struct hist *a, const struct hist *b);

/* Parse the text form (above) of s[0..len) and add it to h. -1 on a
 * malformed value or too many bounds. */
int hist_parse_add(struct hist *h, const char *s, size_t len);

/* The text form of h into buf: each bucket with a count, and the bucket
 * before it. Returns the length, or -1 when buf is too small. */
int hist_format(const struct hist *h, char *buf, size_t size);

unsigned long long hist_count(const struct hist *h);

/* The q-quantile (0 < q <= 1) of h: the sample of rank ceil(q * N) lies in
 * the bucket found, and value interpolates linearly within it. */
struct pctl hist_pctl(const struct hist *h, double q);

#endif
