/* stat-record: keep stat-collect's lines in a file of bounded size, and
 * tell the operator, on one line every few seconds, how the whole run goes.
 * A recording never outgrows -M: when the file reaches it, every host's
 * lines are merged two by two (counts add, so totals and percentiles stay
 * exact; only the time resolution halves) and later lines are merged as
 * many at a time before they are written. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ealloc.h"
#include "fshut.h"
#include "hostidx.h"
#include "hostlist.h"
#include "human.h"
#include "lines.h"
#include "num.h"
#include "opt.h"
#include "statline.h"

static struct config {
	const char *out;          /* -o: the recording */
	long long   max;          /* -M: its size bound, bytes */
	long long   progress;     /* -p: seconds between progress lines, 0 = none */
	const char *expected;     /* -e: "host expected finished" lines */
	const char *label;        /* -l: the progress lines' prefix */
} cfg;

static const struct config defaults = {
	.max = 128LL << 20,
	.label = "run",
};

struct host {
	char            name[64];
	struct statline pend;     /* lines merged, not yet written */
	int             npend;
	int             state;
	double          exp;      /* messages its users send, from -e; NAN unknown */
	int             finished; /* done before this recording began (-e) */
	double          base;     /* messages acked at the client's last answer */
	double          since;    /* cellsrv's acks counted since then */
	double          acks;     /* cellsrv's acks counted since the recording began */
};

static struct hostidx hidx;
static struct host   *hosts;            /* hosts[i]: the host of index i of hidx */
static FILE        *out;
static long long    outsize;
static int          level;    /* compactions done: lines are merged 2^level at a time */

static struct host *
host_of(const char *name)
{
	int added;
	struct host *h = hostidx_slot(&hidx, name, (void **)&hosts, sizeof *hosts, &added);

	if (added) {
		snprintf(h->name, sizeof h->name, "%s", name);
		h->exp = NAN;
	}
	return h;
}

/* -- the recording -------------------------------------------------------- */

static void
write_line(FILE *fp, const struct statline *sl, const char *path)
{
	char buf[STATLINE_MAX + 2];
	int n = statline_format(sl, buf, sizeof buf - 1);

	if (n < 0)
		errx(1, "%s: a merged line of %s is too long", path, sl->host);
	buf[n++] = '\n';
	if (fwrite(buf, 1, (size_t)n, fp) != (size_t)n)
		err(1, "%s", path);
	if (fp == out)
		outsize += n;
}

/* Rewrite the recording with every host's lines merged two by two
 * (comments kept), atomically; later lines are then merged twice as many
 * at a time. O(file) time, O(hosts) memory. */
static void
compact(void)
{
	char *tmp = easprintf("%s.compact", cfg.out), *line;
	struct statline *sl = emalloc(sizeof *sl), *wait = NULL;
	int *waiting = NULL;
	size_t i, nwait = 0;
	struct lines l;
	struct stat sb;
	ssize_t len;
	FILE *in, *o;

	if (fflush(out) == EOF)
		err(1, "%s", cfg.out);
	if ((in = fopen(cfg.out, "r")) == NULL)
		err(1, "%s", cfg.out);
	if ((o = fopen(tmp, "w")) == NULL)
		err(1, "%s", tmp);
	lines_init(&l, in, cfg.out, STATLINE_MAX);
	while ((len = lines_next(&l, &line)) >= 0) {
		const char *why;
		size_t k;

		if (statline_skip(line, (size_t)len)) {
			fprintf(o, "%s\n", line);
			continue;
		}
		if (statline_parse(sl, line, (size_t)len, &why) != 0)
			lines_die(&l, "%s", why);
		k = (size_t)(host_of(sl->host) - hosts);
		if (k >= nwait) {                       /* one waiting line per host */
			wait = ereallocarray(wait, hidx.n, sizeof *wait);
			waiting = ereallocarray(waiting, hidx.n, sizeof *waiting);
			memset(waiting + nwait, 0, (hidx.n - nwait) * sizeof *waiting);
			nwait = hidx.n;
		}
		if (!waiting[k]) {
			statline_copy(&wait[k], sl);
			waiting[k] = 1;
			continue;
		}
		if (statline_merge(&wait[k], sl) != 0)
			lines_die(&l, "cannot merge this line of %s with the one before", sl->host);
		write_line(o, &wait[k], tmp);
		waiting[k] = 0;
	}
	for (i = 0; i < nwait; i++)
		if (waiting[i])
			write_line(o, &wait[i], tmp);
	lines_free(&l);
	fclose(in);
	if (fflush(o) == EOF || ferror(o) || fsync(fileno(o)) != 0 || fclose(o) != 0)
		err(1, "%s", tmp);
	if (rename(tmp, cfg.out) != 0)
		err(1, "rename %s", tmp);
	fclose(out);
	if ((out = fopen(cfg.out, "a")) == NULL)
		err(1, "%s", cfg.out);
	outsize = fstat(fileno(out), &sb) == 0 ? sb.st_size : 0;
	level++;
	free(tmp);
	free(sl);
	free(wait);
	free(waiting);
}

/* A line from stdin: merged into its host's pending group, written when
 * the group holds 2^level lines. */
static void
record(const struct statline *sl, struct host *h)
{
	if (out == NULL)
		return;
	if (h->npend > 0 && statline_merge(&h->pend, sl) == 0)
		h->npend++;
	else {
		if (h->npend > 0)                       /* cannot merge: write both */
			write_line(out, &h->pend, cfg.out);
		statline_copy(&h->pend, sl);
		h->npend = 1;
	}
	if (h->npend >= 1 << level) {
		write_line(out, &h->pend, cfg.out);
		h->npend = 0;
	}
	if (outsize >= cfg.max)
		compact();
}

static void
flush_pending(void)
{
	size_t i;

	if (out == NULL)
		return;
	for (i = 0; i < hidx.n; i++)
		if (hosts[i].npend > 0) {
			write_line(out, &hosts[i].pend, cfg.out);
			hosts[i].npend = 0;
		}
}

/* -- the progress line ---------------------------------------------------- */

static double tick_ts, last_print_ts, acks_window, first_ts, acks_all;
static struct { double ts, done; } hist6[7];    /* the last progress lines, for the ETA */
static int nhist6;
static double stalled_since;

static void load_expected(const char *path);

static void
progress(int final)
{
	char a[16], b[16], c[16], down[256];
	const char **names = ecalloc(hidx.n + 1, sizeof *names);
	double done = 0, total = 0, rate, span = tick_ts - last_print_ts, eta_rate;
	size_t i, nd = 0;
	int known = 1;

	if (cfg.expected)
		load_expected(cfg.expected);
	for (i = 0; i < hidx.n; i++) {
		struct host *h = &hosts[i];
		/* the client's count lags the server's a little; cellsrv's own
		 * sum misses what was done before the recording began */
		double d = h->finished ? h->exp : h->base + h->since > h->acks ? h->base + h->since : h->acks;

		if (isnan(h->exp))
			known = 0;
		else {
			total += h->exp;
			d = d > h->exp ? h->exp : d;
		}
		done += d;
		if (h->state == ST_DOWN)
			names[nd++] = h->name;
	}
	rate = span > 0 ? acks_window / span : 0;
	if (nhist6 == 7) {
		memmove(&hist6[0], &hist6[1], 6 * sizeof hist6[0]);
		nhist6 = 6;
	}
	hist6[nhist6].ts = tick_ts;
	hist6[nhist6++].done = done;
	eta_rate = nhist6 > 1 && hist6[nhist6 - 1].ts > hist6[0].ts ?
	    (hist6[nhist6 - 1].done - hist6[0].done) / (hist6[nhist6 - 1].ts - hist6[0].ts) : rate;
	if (rate > 0 || stalled_since == 0)
		stalled_since = rate > 0 ? 0 : last_print_ts;

	printf("[%s] ", cfg.label);
	if (final) {
		double secs = tick_ts - first_ts;
		printf("recorded %s%s%s: ", human_secs(secs, a, sizeof a), cfg.out ? " in " : "",
		    cfg.out ? cfg.out : "");
		rate = secs > 0 ? acks_all / secs : 0;
	}
	if (known && total > 0)
		printf("%.0f%% %s/%s msgs", floor(100 * done / total), human_count(done, a, sizeof a),
		    human_count(total, b, sizeof b));
	else
		printf("%s msgs", human_count(done, a, sizeof a));
	printf(", %s msgs/s%s", human_count(rate, c, sizeof c), final ? " on average" : "");
	if (known && total > 0 && done < total && !final) {
		if (rate > 0 && eta_rate > 0)
			printf(", ETA %s", human_secs((total - done) / eta_rate, a, sizeof a));
		else if (stalled_since > 0 && tick_ts - stalled_since >= 1)
			printf(", no progress for %s", human_secs(tick_ts - stalled_since, a, sizeof a));
	}
	if (nd > 0)
		printf(", %s down", hostlist_fold(names, nd, down, sizeof down));
	printf("\n");
	if (fflush(stdout) == EOF)
		err(1, "<stdout>");
	free(names);
	last_print_ts = tick_ts;
	acks_window = 0;
}

/* What a line tells the progress line. */
static void
account(const struct statline *sl, struct host *h)
{
	const char *c = statline_get(sl, "c");

	h->state = sl->state;
	if (sl->state != ST_UP)
		return;
	acks_window += statline_num(sl, "acks", 0);
	acks_all += statline_num(sl, "acks", 0);
	h->acks += statline_num(sl, "acks", 0);
	if (c != NULL && strcmp(c, "up") == 0 && statline_get(sl, "c_acked") != NULL) {
		h->base = statline_num(sl, "c_acked", 0);
		h->since = 0;
	} else
		h->since += statline_num(sl, "acks", 0);
}

/* The totals of -e: read when the file appears or changes (make writes it
 * once every host is deployed, which may be after the recording began). */
static void
load_expected(const char *path)
{
	static struct timespec seen;
	struct lines l;
	struct stat sb;
	char *line;
	ssize_t len;
	FILE *fp;

	if (stat(path, &sb) != 0 || (sb.st_mtim.tv_sec == seen.tv_sec && sb.st_mtim.tv_nsec == seen.tv_nsec))
		return;
	seen = sb.st_mtim;
	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	lines_init(&l, fp, path, 0);
	while ((len = lines_next(&l, &line)) >= 0) {
		char name[64], fin[8];
		const char *errstr;
		long long e;
		struct host *h;

		if (statline_skip(line, (size_t)len))
			continue;
		if (sscanf(line, "%63s %*s %7s", name, fin) != 2 || (strcmp(fin, "0") && strcmp(fin, "1")))
			lines_die(&l, "want \"host expected finished(0|1)\": \"%.60s\"", line);
		{
			char num[32];
			sscanf(line, "%*s %31s", num);
			e = cs_strtonum(num, 0, 1LL << 50, &errstr);
			if (errstr)
				lines_die(&l, "expected is not a number: \"%s\"", num);
		}
		h = host_of(name);
		h->exp = (double)e;
		h->finished = fin[0] == '1';
	}
	lines_free(&l);
	fclose(fp);
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: stat-record [-o file] [-M max_bytes=%lld] [-p progress_secs=%lld] "
	    "[-e expected] [-l label=%s]\n", defaults.max, defaults.progress, defaults.label);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct statline *sl = emalloc(sizeof *sl);
	struct lines l;
	char *line;
	ssize_t len;
	int ch;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "e:hl:M:o:p:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'e': cfg.expected = optarg; break;
		case 'l': cfg.label = optarg; break;
		case 'M': cfg.max = cs_optnum(ch, optarg, 4096, 1LL << 50); break;
		case 'o': cfg.out = optarg; break;
		case 'p': cfg.progress = cs_optnum(ch, optarg, 0, 86400); break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0)
		usage(stderr, 2);
	if (cfg.expected)
		load_expected(cfg.expected);
	if (cfg.out) {
		struct stat sb;
		if ((out = fopen(cfg.out, "a")) == NULL)
			err(1, "%s", cfg.out);
		outsize = fstat(fileno(out), &sb) == 0 ? sb.st_size : 0;
		while (outsize >= cfg.max / 2 && level < 30) {
			long long before = outsize;
			compact();
			if (outsize > before * 3 / 4)
				break;                          /* nothing left to merge */
		}
	}
	lines_init(&l, stdin, "<stdin>", STATLINE_MAX);
	while ((len = lines_next(&l, &line)) >= 0) {
		const char *why;
		struct host *h;

		if (statline_skip(line, (size_t)len)) {
			if (out && fprintf(out, "%s\n", line) < 0)
				err(1, "%s", cfg.out);
			outsize += len + 1;
			continue;
		}
		if (statline_parse(sl, line, (size_t)len, &why) != 0)
			lines_die(&l, "%s", why);
		/* a new tick: the last one is complete */
		if (sl->ts > tick_ts) {
			if (cfg.progress && tick_ts > 0 && tick_ts - last_print_ts >= (double)cfg.progress)
				progress(0);
			tick_ts = sl->ts;
			if (first_ts == 0)
				first_ts = last_print_ts = tick_ts;
		}
		h = host_of(sl->host);
		account(sl, h);
		record(sl, h);
		if (out && fflush(out) == EOF)
			err(1, "%s", cfg.out);
	}
	lines_free(&l);
	flush_pending();
	if (cfg.progress && tick_ts > 0)
		progress(1);
	if (out)
		fshut(out, cfg.out);
	fshut(stdout, "<stdout>");
	free(sl);
	free(hosts);
	hostidx_free(&hidx);
	return 0;
}
