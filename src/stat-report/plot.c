/* plot.c: the PNGs of a report, drawn by gnuplot (pngcairo) from data
 * files written here into a scratch directory beside them: messages per
 * second (the cluster's line, a heat map per host), SEND->ACK latency
 * percentiles of every interval (from that interval's bucket counts, never
 * an average of percentiles), CPU user, system and steal per host, memory
 * per host. Every series has at most one point per bin. */
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ealloc.h"
#include "human.h"
#include "report.h"

extern char **environ;

static const char *dir;         /* the scratch directory */
static char      **made;        /* its files, removed at the end */
static size_t      nmade;

static FILE *
create(const char *name)
{
	char *path = easprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		err(1, "%s", path);
	made = ereallocarray(made, nmade + 1, sizeof *made);
	made[nmade++] = path;
	return fp;
}

static void
done(FILE *fp, const char *name)
{
	if (fflush(fp) == EOF || ferror(fp) || fclose(fp) != 0)
		err(1, "%s/%s", dir, name);
}

static void
num(FILE *fp, double v)
{
	if (isnan(v) || isinf(v))
		fputs(" NaN", fp);
	else
		fprintf(fp, " %.6g", v);
}

static int
cmpf(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* The matrix of series k per host (rows) and bin (columns), as f(k's
 * value, the bin's dt or CPU seconds); NaN where a host had no line. */
static void
matrix(const struct run *r, const char *name, int k, int per, double scale)
{
	FILE *fp = create(name);
	size_t b, h;

	for (h = 0; h < r->nhosts; h++) {
		for (b = 0; b < r->nbins; b++) {
			double v = run_at(r, k, b, h), d = per >= 0 ? run_at(r, per, b, h) : r->binw;
			num(fp, d > 0 ? scale * v / d : NAN);
		}
		fputc('\n', fp);
	}
	done(fp, name);
}

/* One block per host of "t value" (a blank line between hosts: one line
 * each in one colour), and the median and maximum per bin. */
static void
lines(const struct run *r, const char *name, int k, double scale, double tu)
{
	char medname[64];
	FILE *fp = create(name), *mp;
	double *v = emalloc(r->nhosts * sizeof *v);
	size_t b, h;

	for (h = 0; h < r->nhosts; h++) {
		for (b = 0; b < r->nbins; b++) {
			double x = run_at(r, k, b, h);
			if (!isnan(x))
				fprintf(fp, "%.6g %.6g\n", ((double)b + 0.5) * r->binw / tu, x * scale);
		}
		fputc('\n', fp);
	}
	done(fp, name);
	snprintf(medname, sizeof medname, "med-%s", name);
	mp = create(medname);
	for (b = 0; b < r->nbins; b++) {
		size_t n = 0;
		double mx = NAN;
		for (h = 0; h < r->nhosts; h++) {
			double x = run_at(r, k, b, h);
			if (!isnan(x)) {
				v[n++] = x;
				mx = isnan(mx) || x > mx ? x : mx;
			}
		}
		if (n == 0)
			continue;
		/* insertion sort: bins hold few hosts' values */
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
				double t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
			}
		fprintf(mp, "%.6g %.6g %.6g\n", ((double)b + 0.5) * r->binw / tu,
		    scale * (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2), scale * mx);
	}
	done(mp, medname);
	free(v);
}

/* The host with the largest last value of series k, for a label. */
static size_t
top_host(const struct run *r, int k)
{
	size_t b, h, best = 0;
	double bv = -1;

	for (h = 0; h < r->nhosts; h++)
		for (b = r->nbins; b-- > 0;) {
			double x = run_at(r, k, b, h);
			if (!isnan(x)) {
				if (x > bv) {
					bv = x;
					best = h;
				}
				break;
			}
		}
	return best;
}

/* The y axis of a heat map: one row per host, h01 on top, at most
 * maxnames names shown. */
static void
host_axis(FILE *gp, const struct run *r, size_t maxnames)
{
	size_t h, step = (r->nhosts + maxnames - 1) / maxnames;

	fprintf(gp, "set yrange [%zu.5:0.5]\nset ytics (", r->nhosts);
	for (h = 0; h < r->nhosts; h += step)
		fprintf(gp, "%s\"%s\" %zu", h ? ", " : "", r->host[h], h + 1);
	fprintf(gp, ") scale 0 font \",9\"\n");
}

/* A heat map of file, per host over time, with its colour scale (0 to
 * cbmax, or to what the data reach), at most maxnames host names. */
static void
heat(FILE *gp, const struct run *r, const char *file, const char *title, const char *unit,
    const char *palette, double cbmax, double tu, size_t maxnames)
{
	fprintf(gp, "set title \"%s\"\nunset key\n", title);
	host_axis(gp, r, maxnames);
	fprintf(gp, "set cblabel \"%s\"\nset palette %s\n", unit, palette);
	if (cbmax > 0)
		fprintf(gp, "set cbrange [0:%g]\n", cbmax);
	else
		fprintf(gp, "set cbrange [0:*]\n");
	fprintf(gp, "set object 1 rectangle from graph 0,0 to graph 1,1 fc rgb \"#d9d9d9\" behind\n"
	    "plot \"%s\" matrix using (($1 + 0.5) * %.9g):($2 + 1):3 with image notitle\n"
	    "unset object 1\nunset ytics\nset ytics\nset autoscale y\nset key\n",
	    file, r->binw / tu);
}

/* The colour scale's top for per-host rates: what 99% of the bins stay
 * under, so one burst (a host catching up) does not wash out the rest. */
static double
robust_max(const struct run *r, int k, double scale)
{
	size_t i, n = 0, all = r->nbins * r->nhosts;
	float *v = emalloc((all + 1) * sizeof *v);
	double m;

	for (i = 0; i < all; i++)
		if (!isnan(r->s[k][i]))
			v[n++] = r->s[k][i];
	if (n == 0) {
		free(v);
		return 0;
	}
	qsort(v, n, sizeof *v, cmpf);
	m = v[(size_t)((double)(n - 1) * 0.99)] * scale * 1.1;
	free(v);
	return m > 0 ? m : 0;
}

static const char *palette_rate =
    "defined (0 \"#fff7ec\", 0.3 \"#fdbb84\", 0.6 \"#ef6548\", 1 \"#7f0000\")";
static const char *palette_cpu =
    "defined (0 \"#f7fbff\", 0.4 \"#6baed6\", 0.8 \"#08519c\", 1 \"#08306b\")";
static const char *palette_steal =
    "defined (0 \"#ffffff\", 0.1 \"#fee0d2\", 0.5 \"#fb6a4a\", 1 \"#67000d\")";

static int
gnuplot(const char *script)
{
	posix_spawn_file_actions_t fa;
	char *log = easprintf("%s/gnuplot.log", dir), *argv[] = { "gnuplot", (char *)script, NULL };
	pid_t pid;
	int st, rc;

	made = ereallocarray(made, nmade + 1, sizeof *made);
	made[nmade++] = log;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		warnx("cannot run gnuplot: %s (make deps installs gnuplot-nox)", strerror(rc));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			err(1, "waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char line[512];
		FILE *fp = fopen(log, "r");
		warnx("gnuplot failed (status %d); its output:", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		while (fp && fgets(line, sizeof line, fp))
			fprintf(stderr, "  %s", line);
		if (fp)
			fclose(fp);
		return -1;
	}
	return 0;
}

int
plot_all(const struct run *r, const char *outdir, const char *title, const char ***names)
{
	static const char *list[9];
	char tmpl[4096], t0[32], a[16];
	const char *unit;
	double tu, span = r->t1 - r->t0 + r->interval, p[3];
	struct tm tm;
	time_t tt = (time_t)r->t0;
	FILE *gp, *fp;
	size_t b, n = 0;
	int rc, q;

	snprintf(tmpl, sizeof tmpl, "%s/.plot.XXXXXX", outdir);
	if ((dir = mkdtemp(tmpl)) == NULL)
		err(1, "mkdtemp %s", tmpl);
	unit = time_unit(span, &tu);
	gmtime_r(&tt, &tm);
	strftime(t0, sizeof t0, "%Y-%m-%d %H:%M:%S UTC", &tm);

	/* the cluster's series: rates per s, latency percentiles in ms */
	fp = create("cluster.dat");
	for (b = 0; b < r->nbins; b++) {
		double acks = NAN, sent = NAN;
		struct hist h;
		size_t k;
		for (k = 0; k < r->nhosts; k++) {
			double x = run_at(r, S_ACKS, b, k), y = run_at(r, S_SENT, b, k);
			if (!isnan(x))
				acks = isnan(acks) ? x : acks + x;
			if (!isnan(y))
				sent = isnan(sent) ? y : sent + y;
		}
		run_bin_hist(r, b, &h);
		fprintf(fp, "%.6g", ((double)b + 0.5) * r->binw / tu);
		num(fp, acks / r->binw);
		num(fp, sent / r->binw);
		for (q = 0; q < 3; q++) {
			static const double qs[] = { 0.5, 0.95, 0.99 }, need[] = { 1, 20, 100 };
			struct pctl pc = hist_pctl(&h, qs[q]);
			num(fp, (double)pc.n >= need[q] && !isinf(pc.hi) ? pc.value * 1000 : NAN);
		}
		fputc('\n', fp);
	}
	done(fp, "cluster.dat");
	matrix(r, "acks.mat", S_ACKS, -1, 1);

	gp = create("plot.gp");
	fprintf(gp, "set terminal pngcairo size 1100,%d font \"Sans,10\" noenhanced\n"
	    "set encoding utf8\nset grid lc rgb \"#e0e0e0\"\nset border lc rgb \"#606060\"\n"
	    "set xlabel \"time since the recording began (%s)\"\nset xrange [0:%.6g]\n"
	    "set lmargin at screen 0.08\nset rmargin at screen 0.84\n", 820, unit, (double)r->nbins * r->binw / tu);

	/* 1. messages per second */
	fprintf(gp, "set output \"../throughput.png\"\nset multiplot title \"Messages per second - %s\\n"
	    "recording began %s, one bin = %s\" font \",12\"\n",
	    title, t0, human_secs(r->binw, a, sizeof a));
	fprintf(gp, "set size 1,0.42\nset origin 0,0.5\nset ylabel \"messages / s\"\nset yrange [0:*]\n"
	    "set key top right opaque\nset offsets 0, 0, graph 0.25, 0\nset title \"All hosts\"\n"
	    "plot \"cluster.dat\" using 1:2 with lines lw 2 lc rgb \"#08519c\" title \"acknowledged (sent and delivered)\", "
	    "\"\" using 1:3 with lines lw 1 dt 2 lc rgb \"#969696\" title \"accepted by the sender's cell\"\n"
	    "set offsets 0, 0, 0, 0\nset size 1,0.5\nset origin 0,0\nset ylabel \"host\"\n");
	heat(gp, r, "acks.mat", "Per host: acknowledged messages / s (grey: no count, the host not answering "
	    "or its first answer; the rare bins above the scale take its top colour)",
	    "messages / s", palette_rate, robust_max(r, S_ACKS, 1 / r->binw), tu, 20);
	fprintf(gp, "unset multiplot\n");
	list[n++] = "throughput.png";
	list[n++] = "Messages per second, all hosts and per host";

	/* 2. latency percentiles */
	p[0] = hist_pctl(&r->all, 0.5).value * 1000;
	p[1] = hist_pctl(&r->all, 0.95).value * 1000;
	p[2] = hist_pctl(&r->all, 0.99).value * 1000;
	if (r->all.n > 0 && hist_count(&r->all) > 0) {
		char v[3][16];
		for (q = 0; q < 3; q++)
			human_latency(p[q] / 1000, v[q], sizeof v[q]);
		fprintf(gp, "set output \"../latency.png\"\nset size 1,1\nset origin 0,0\n"
		    "set title \"SEND->ACK latency: from a message accepted by its sender's cell to its "
		    "acknowledgement there\\n%s; each point from that bin's histogram buckets, all hosts; "
		    "dashed: the whole run\" font \",11\"\n"
		    "set logscale y\nset yrange [*:*]\nset ylabel \"milliseconds (log scale)\"\n"
		    "set key top left opaque box\n",
		    title);
		for (q = 0; q < 3; q++)
			if (p[q] > 0)
				fprintf(gp, "set arrow %d from graph 0, first %.6g to graph 1, first %.6g nohead "
				    "dt 2 lc rgb \"%s\"\n", q + 1, p[q], p[q],
				    (const char *[]){ "#31a354", "#fd8d3c", "#de2d26" }[q]);
		fprintf(gp, "plot \"cluster.dat\" using 1:4 with lines lw 1.5 lc rgb \"#31a354\" title \"p50 (whole run %s)\", "
		    "\"\" using 1:5 with lines lw 1.5 lc rgb \"#fd8d3c\" title \"p95 (whole run %s)\", "
		    "\"\" using 1:6 with lines lw 1.5 lc rgb \"#de2d26\" title \"p99 (whole run %s)\"\n"
		    "unset arrow\nunset logscale y\n", v[0], v[1], v[2]);
		list[n++] = "latency.png";
		list[n++] = "SEND->ACK latency percentiles over time";
	}

	/* 3. CPU per host */
	if (r->has[S_USR]) {
		double smax = 0;
		size_t i;
		matrix(r, "usr.mat", S_USR, S_CPUS, 100);
		matrix(r, "sys.mat", S_SYS, S_CPUS, 100);
		matrix(r, "stl.mat", S_STL, S_CPUS, 100);
		for (i = 0; i < r->nhosts; i++)
			smax = r->steal_max[i] > smax ? r->steal_max[i] : smax;
		fprintf(gp, "set output \"../cpu.png\"\nset multiplot title \"CPU of each host (all its cores = 100%%) - %s\" font \",12\"\n"
		    "set ylabel \"host\"\nset xlabel \"\"\nset size 1,0.31\nset origin 0,0.62\n", title);
		heat(gp, r, "usr.mat", "user", "% user", palette_cpu, 100, tu, 10);
		fprintf(gp, "set origin 0,0.31\n");
		heat(gp, r, "sys.mat", "system (with irq and softirq)", "% system", palette_cpu, 100, tu, 10);
		fprintf(gp, "set origin 0,0\nset xlabel \"time since the recording began (%s)\"\n", unit);
		heat(gp, r, "stl.mat", "steal: time the hypervisor gave to others (stat-monitor flags over 10%)",
		    "% steal", palette_steal, smax > 20 ? ceil(smax) : 20, tu, 10);
		fprintf(gp, "unset multiplot\n");
		list[n++] = "cpu.png";
		list[n++] = "CPU user, system and steal per host";
	} else if (r->has[S_SRVCPU]) {
		matrix(r, "srv.mat", S_SRVCPU, S_DT, 100);
		fprintf(gp, "set output \"../cpu.png\"\nset size 1,1\nset origin 0,0\nset ylabel \"host\"\n");
		heat(gp, r, "srv.mat", "cellsrv's CPU per host, % of one core (the hosts expose no CPU of their own)",
		    "% of a core", palette_cpu, 0, tu, 20);
		list[n++] = "cpu.png";
		list[n++] = "cellsrv's CPU per host";
	}

	/* 4. memory per host */
	{
		int ks[2], nk = 0, i;
		const char *what[2], *file[2];
		if (r->has[S_MUSED]) {
			ks[nk] = S_MUSED; what[nk] = "memory in use on the host (total - available)"; file[nk++] = "mused.dat";
		}
		if (r->has[S_RMEM]) {
			ks[nk] = S_RMEM; what[nk] = "Redis used_memory"; file[nk++] = "rmem.dat";
		}
		if (nk == 0 && r->has[S_RSS]) {
			ks[nk] = S_RSS; what[nk] = "cellsrv resident memory"; file[nk++] = "rss.dat";
		}
		if (nk > 0) {
			fprintf(gp, "set output \"../memory.png\"\nset multiplot title \"Memory per host - %s\" font \",12\"\n"
			    "set xlabel \"time since the recording began (%s)\"\nset key top left opaque box\n",
			    title, unit);
			for (i = 0; i < nk; i++) {
				size_t top = top_host(r, ks[i]);
				lines(r, file[i], ks[i], 1.0 / (1 << 20), tu);
				fprintf(gp, "set size 1,%g\nset origin 0,%g\nset title \"%s\"\nset ylabel \"MiB\"\nset yrange [0:*]\n"
				    "set offsets 0, 0, graph 0.3, 0\n"
				    "plot \"%s\" using 1:2 with lines lc rgb \"#c6dbef\" title \"each host\", "
				    "\"med-%s\" using 1:2 with lines lw 2 lc rgb \"#08306b\" title \"median of the hosts\", "
				    "\"\" using 1:3 with lines lw 1.5 lc rgb \"#de2d26\" title \"the highest host (at the end: %s)\"\n",
				    nk == 2 ? 0.47 : 0.93, nk == 2 && i == 0 ? 0.47 : 0.0, what[i], file[i], file[i],
				    r->host[top]);
			}
			fprintf(gp, "unset multiplot\nset offsets 0, 0, 0, 0\n");
			list[n++] = "memory.png";
			list[n++] = "Memory per host";
		}
	}
	done(gp, "plot.gp");
	list[n] = NULL;
	*names = list;

	rc = gnuplot("plot.gp");
	if (getenv("STAT_REPORT_KEEP") == NULL) {
		for (b = 0; b < nmade; b++)
			unlink(made[b]);
		rmdir(dir);
	} else
		fprintf(stderr, "stat-report: gnuplot's files kept in %s\n", dir);
	for (b = 0; b < nmade; b++)
		free(made[b]);
	free(made);
	made = NULL;
	nmade = 0;
	return rc;
}
