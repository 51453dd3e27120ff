/* stats-synth: a synthetic recording, as stat-collect would print it for a
 * run of H hosts over D seconds, for the tests and bench/bench-report.sh:
 * every message's SEND->ACK latency drawn one by one (log-normal, median
 * 2 ms) and put into cellsrv's buckets (hist_bounds), CPU, memory, and
 * a few events an operator must be able to see: h07 not answering for 3%
 * of the run, h13 losing 25% of its CPU to steal in the second half, h21's
 * cellsrv restarting at 60%, a latency spike on every host at 45-47%.
 * With -e it also writes the exact percentiles of all the latencies drawn
 * (sorted), what stat-report's bucket estimates must bracket.
 *   stats-synth [-H hosts=40] [-d secs=7200] [-t tick=3] [-r msgs_per_s=500]
 *               [-S seed=1] [-e exact_file] */
#include <err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hist.h"
#include "prng.h"

static double
uniform(struct prng *p)
{
	return ((double)(prng_next(p) >> 11) + 0.5) / 9007199254740992.0;
}

static double
gauss(struct prng *p)
{
	return sqrt(-2 * log(uniform(p))) * cos(2 * M_PI * uniform(p));
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char *argv[])
{
	long hosts = 40, secs = 7200, tick = 3, rate = 500, seed = 1;
	const char *exact = NULL;
	double le[HIST_MAX], *all = NULL, t0 = 1700000001, acked[1000] = { 0 };
	size_t nall = 0, capall = 0;
	int nle = hist_bounds(le, HIST_MAX), ch;
	long k, h, ticks;
	struct prng p;

	while ((ch = getopt(argc, argv, "H:d:t:r:S:e:")) != -1) {
		switch (ch) {
		case 'H': hosts = atol(optarg); break;
		case 'd': secs = atol(optarg); break;
		case 't': tick = atol(optarg); break;
		case 'r': rate = atol(optarg); break;
		case 'S': seed = atol(optarg); break;
		case 'e': exact = optarg; break;
		default:
			fprintf(stderr, "usage: stats-synth [-H hosts=40] [-d secs=7200] [-t tick=3] "
			    "[-r msgs_per_s=500] [-S seed=1] [-e exact_file]\n");
			return 2;
		}
	}
	if (hosts < 1 || hosts > 999 || secs < tick || tick < 1 || rate < 0)
		errx(2, "bad parameters");
	prng_seed(&p, (uint64_t)seed, 0);
	ticks = secs / tick;
	printf("# stat-collect interval=%ld timeout_ms=2000 hosts=%ld started=%.0f (synthetic: stats-synth)\n",
	    tick, hosts, t0 - tick);
	for (k = 0; k < ticks; k++) {
		double ts = t0 + (double)(k * tick), f = (double)k / (double)ticks;
		int spike = f >= 0.45 && f < 0.47;

		for (h = 1; h <= hosts; h++) {
			unsigned long long c[HIST_MAX + 1] = { 0 };
			char name[24], lat[4096];
			long n, i;
			size_t o = 0;
			int first = k == 0 || (h == 21 && k == ticks * 6 / 10);
			int down = h == 7 && f >= 0.30 && f < 0.33;
			double stl = h == 13 && f >= 0.5 ? 0.25 : 0.002, mem = 0.2 + 1.0 * f;

			snprintf(name, sizeof name, "h%02ld", h);
			if (down) {
				long k0 = (long)ceil(0.30 * (double)ticks);
				printf("%.3f\t%s\t%s\terr=timeout\tage=%ld\n", ts, name,
				    k == k0 ? "stale" : "down", (k - k0 + 1) * tick);
				continue;
			}
			printf("%.3f\t%s\tup", ts, name);
			if (k > 0 && !first) {
				n = (long)(rate * tick * (0.9 + 0.2 * uniform(&p)) * (h == 13 && f >= 0.5 ? 0.7 : 1));
				if (h == 7 && f >= 0.33 && f < 0.331)
					n *= 10;                /* what it held while not answering */
				for (i = 0; i < n; i++) {
					double v = 0.002 * exp(0.8 * gauss(&p)) * (spike ? 8 : 1);
					int b = 0, lo2 = 0, hi2 = nle;
					while (lo2 < hi2) {      /* first bound >= v: the bucket */
						int mid = (lo2 + hi2) / 2;
						if (le[mid] >= v)
							hi2 = mid;
						else
							lo2 = mid + 1;
					}
					b = lo2;
					c[b]++;
					if (exact) {
						if (nall == capall) {
							capall = capall ? capall * 2 : 1 << 16;
							if ((all = realloc(all, capall * sizeof *all)) == NULL)
								err(1, "realloc");
						}
						all[nall++] = v;
					}
				}
				for (i = 0; i <= nle; i++)
					if (c[i] || (i < nle && c[i + 1])) {
						if (i == nle)
							o += (size_t)snprintf(lat + o, sizeof lat - o, "%s+Inf:%llu", o ? "," : "", c[i]);
						else
							o += (size_t)snprintf(lat + o, sizeof lat - o, "%s%.9g:%llu", o ? "," : "", le[i], c[i]);
					}
				printf("\tdt=%.3f\t%s\tsent=%ld\tretx=0\tacks=%ld\tdlv=%ld\te5=0\tcpu=%.3f",
				    (double)tick, h == 21 && k == ticks * 6 / 10 + 1 ? "restart=cellsrv\t" : "",
				    n, n, n, 0.15 * tick * (n / (double)(rate * tick + 1)));
				printf("\tusr=%.3f\tsys=%.3f\tiow=%.3f\tstl=%.3f\tidl=%.3f",
				    2 * tick * (0.35 + 0.05 * gauss(&p) * 0.2), 2 * tick * 0.12, 2 * tick * 0.01,
				    2 * tick * stl, 2 * tick * (0.52 - stl));
				if (o > 0)
					printf("\tlat=%s", lat);
				acked[h] += (double)n;
			}
			printf("\tncpu=2\tload=%.2f\tmavail=%.0f\tmtotal=%.0f\trss=%.0f\trrss=%.0f\trmem=%.0f"
			    "\tloading=0\taof=ok\tredis=1\tpeers=%ld/%ld\tc=up\tc_users=25000\tc_done=%.0f"
			    "\tc_exp=%.0f\tc_sent=%.0f\tc_acked=%.0f\tc_recv=%.0f\tc_rss=52428800",
			    1.2 + 0.2 * uniform(&p), (4.0 - mem * 1.1) * 1073741824.0, 4.0 * 1073741824.0,
			    6e6 + 1e6 * f, mem * 1.05 * 1073741824.0, mem * 1073741824.0, hosts - 1, hosts - 1,
			    25000 * f, (double)rate * secs, acked[h], acked[h], acked[h]);
			if (k == 0 || first)
				printf("\tid=%016llx\tbuild=synthetic\tstart=%.0f",
				    (unsigned long long)prng_next(&p), ts - 1);
			printf("\n");
		}
	}
	if (exact) {
		static const double qs[] = { 0.5, 0.9, 0.95, 0.99, 0.999 };
		FILE *fp = fopen(exact, "w");
		size_t i;

		if (fp == NULL)
			err(1, "%s", exact);
		qsort(all, nall, sizeof *all, cmpd);
		for (i = 0; i < sizeof qs / sizeof qs[0] && nall > 0; i++) {
			size_t r = (size_t)ceil(qs[i] * (double)nall);
			fprintf(fp, "%g %.9g\n", qs[i], all[(r ? r : 1) - 1]);
		}
		fprintf(fp, "n %zu\n", nall);
		if (fclose(fp) != 0)
			err(1, "%s", exact);
	}
	free(all);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "<stdout>");
	return 0;
}
