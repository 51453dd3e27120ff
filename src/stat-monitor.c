/* stat-monitor: the live grid of a run, drawn from stat-collect's lines on
 * stdin: one row per host (msgs/s, acked, p99 latency, CPU user, system and
 * steal, memory, state and flags), redrawn on a fixed refresh, never per
 * line read (the seed's monitor redrew on every packet and flooded
 * itself). When the hosts do not fit the terminal, the healthy ones fold
 * into one row, as dshbak folds pdsh's output: `h[01-19,21-40] ok`. */
#include <sys/ioctl.h>

#include <err.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ealloc.h"
#include "hist.h"
#include "hostidx.h"
#include "hostlist.h"
#include "human.h"
#include "opt.h"
#include "statline.h"

#define STEAL_FLAG  10.0        /* % of the host's CPU stolen that is flagged */
#define RESTART_SHOW 10         /* ticks a restart stays flagged */

static struct config {
	long long refresh;        /* -r: seconds between redraws */
	int       once;           /* -1: one frame at the end of input */
	int       cols, rows;     /* -g: the screen, else the terminal's (80x24) */
} cfg;

static const struct config defaults = {
	.refresh = 3,
};

struct mhost {
	char        name[64];
	int         state;
	double      age;          /* down: seconds since its last answer */
	char        err[32];
	double      rate;         /* messages acked per s, last tick */
	double      acked;        /* the client's count, or acks summed since start */
	int         client;       /* the client answered on the last tick */
	struct hist lat;          /* last tick's latency buckets */
	double      usr, sys, stl, mem;   /* % (NAN: not exposed) */
	double      rss;
	int         loading, aof_err, redis_down, peers_up, peers, e5;
	int         noprog;       /* ticks in a row a running client moved nothing */
	int         restart;      /* ticks since its last restart, RESTART_SHOW+ = none */
	char        clash[64];
	char        flags[96];    /* computed when drawn */
};

static struct hostidx hidx;
static struct mhost  *hosts;            /* hosts[i]: the host of index i of hidx */
static double        last_ts, last_input;
static int           interval = 3;      /* stat-collect's, from its header */
static char         *frame;
static size_t        flen, fcap;

static struct mhost *
host_of(const char *name)
{
	int added;
	struct mhost *h = hostidx_slot(&hidx, name, (void **)&hosts, sizeof *hosts, &added);

	if (added) {
		snprintf(h->name, sizeof h->name, "%s", name);
		h->restart = RESTART_SHOW;
		h->usr = h->sys = h->stl = h->mem = h->rate = h->rss = NAN;
	}
	return h;
}

/* -- taking a line -------------------------------------------------------- */

static void
take(const struct statline *sl)
{
	struct mhost *h = host_of(sl->host);
	const char *v;
	double dt = statline_num(sl, "dt", NAN), ncpu = statline_num(sl, "ncpu", NAN), cpu;
	double moved;

	if (sl->ts > last_ts)
		last_ts = sl->ts;
	h->state = sl->state;
	if (sl->state != ST_UP) {
		h->age = statline_num(sl, "age", NAN);
		snprintf(h->err, sizeof h->err, "%s", (v = statline_get(sl, "err")) ? v : "");
		h->rate = NAN;
		h->noprog = 0;
		return;
	}
	h->restart = statline_get(sl, "restart") ? 0 : h->restart + 1;
	h->rate = dt > 0 ? statline_num(sl, "acks", NAN) / dt : NAN;
	h->e5 = (int)statline_num(sl, "e5", 0);
	hist_clear(&h->lat);
	if ((v = statline_get(sl, "lat")) != NULL)
		hist_parse_add(&h->lat, v, strlen(v));
	v = statline_get(sl, "c");
	h->client = v && strcmp(v, "up") == 0;
	if (h->client && statline_get(sl, "c_acked"))
		h->acked = statline_num(sl, "c_acked", 0);
	else
		h->acked += statline_num(sl, "acks", 0);
	cpu = dt * ncpu;
	if (cpu > 0 && statline_get(sl, "usr")) {
		h->usr = 100 * statline_num(sl, "usr", 0) / cpu;
		h->sys = 100 * statline_num(sl, "sys", 0) / cpu;
		h->stl = 100 * statline_num(sl, "stl", 0) / cpu;
	}
	if (statline_num(sl, "mtotal", 0) > 0)
		h->mem = 100 * (1 - statline_num(sl, "mavail", 0) / statline_num(sl, "mtotal", 1));
	h->rss = statline_num(sl, "rss", NAN);
	h->loading = statline_num(sl, "loading", 0) > 0;
	h->aof_err = (v = statline_get(sl, "aof")) != NULL && strcmp(v, "ok") != 0;
	h->redis_down = statline_num(sl, "redis", 1) == 0;
	if ((v = statline_get(sl, "peers")) == NULL || sscanf(v, "%d/%d", &h->peers_up, &h->peers) != 2)
		h->peers_up = h->peers = 0;
	snprintf(h->clash, sizeof h->clash, "%s", (v = statline_get(sl, "clash")) ? v : "");
	/* no progress: a client that runs and has users left, and nothing
	 * sent, acked or delivered at its cell */
	moved = statline_num(sl, "sent", 0) + statline_num(sl, "acks", 0) + statline_num(sl, "dlv", 0);
	if (dt > 0 && h->client && statline_num(sl, "c_done", 0) < statline_num(sl, "c_users", 0) &&
	    moved == 0)
		h->noprog++;
	else if (dt > 0)
		h->noprog = 0;
}

static void
comment(const char *line)
{
	const char *p = strstr(line, " interval=");

	if (strncmp(line, "# stat-collect ", 15) == 0 && p != NULL && atoi(p + 10) > 0)
		interval = atoi(p + 10);
}

/* -- drawing -------------------------------------------------------------- */

static void
out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
out(const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(frame + flen, fcap - flen, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < fcap - flen)
			break;
		fcap = fcap * 2 + (size_t)(n > 0 ? n : 0) + 256;
		frame = erealloc(frame, fcap);
	}
	flen += (size_t)n;
}

/* One row of at most width columns, then a newline. */
static void
row(int width, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
row(int width, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	size_t n;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	if (n > (size_t)width)
		n = (size_t)width;
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	out("%.*s\n", (int)n, buf);
}

static void
flags_of(struct mhost *h)
{
	char *f = h->flags, age[16];
	size_t n = sizeof h->flags, o = 0;

#define F(...) do { if (o < n) o += (size_t)snprintf(f + o, n - o, __VA_ARGS__); } while (0)
	f[0] = '\0';
	if (h->state == ST_DOWN)
		F("DOWN ");
	else if (h->state == ST_STALE)
		F("STALE ");
	if (h->state != ST_UP && h->err[0])
		F("%s%s ", h->err, h->state == ST_STALE ? "," : "");
	if (h->state != ST_UP && !isnan(h->age))
		F("%s %s ", h->state == ST_STALE ? "last answer" : "for", human_secs(h->age, age, sizeof age));
	if (h->state == ST_STALE)
		F("(one tick missed) ");
	if (h->clash[0])
		F("CLASH %s ", h->clash);
	if (h->state == ST_UP) {
		if (h->stl > STEAL_FLAG)
			F("STEAL ");
		if (h->noprog >= 2)
			F("STUCK ");
		if (h->redis_down)
			F("NO-REDIS ");
		if (h->loading)
			F("LOADING ");
		if (h->aof_err)
			F("AOF-ERR ");
		if (h->peers_up < h->peers)
			F("PEERS %d/%d ", h->peers_up, h->peers);
		if (h->e5 > 0)
			F("5XX ");
		if (h->restart < RESTART_SHOW)
			F("RESTART ");
	}
#undef F
	if (o > 0 && o <= n)
		f[o - 1] = '\0';
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return isnan(x) ? (isnan(y) ? 0 : 1) : isnan(y) ? -1 : (x > y) - (x < y);
}

/* The median of the known values among v[0..n) (NAN when none). */
static double
median(double *v, size_t n)
{
	size_t k = 0;

	qsort(v, n, sizeof *v, cmpd);
	while (k < n && !isnan(v[k]))
		k++;
	return k == 0 ? NAN : k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/* The median of the double at offset off of the hosts idx[0..n). */
static double
med(const size_t *idx, size_t n, double *v, size_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		memcpy(&v[i], (const char *)&hosts[idx[i]] + off, sizeof v[i]);
	return median(v, n);
}

static const char *
pct(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.0f", v);
	return buf;
}

static const char *
p99ms(const struct hist *h, char *buf, size_t size)
{
	struct pctl p = hist_pctl(h, 0.99);

	if (p.n == 0)
		snprintf(buf, size, "-");
	else if (isinf(p.hi))
		snprintf(buf, size, ">%.0f", p.lo * 1000);
	else
		snprintf(buf, size, p.value < 0.01 ? "%.2f" : p.value < 1 ? "%.1f" : "%.0f", p.value * 1000);
	return buf;
}

#define COLS "%-14s %-5s %6s %6s %6s %4s %4s %5s %5s  %s"

/* A row for the hosts idx[0..n): one host as it is, or several folded
 * (medians, the group's merged latency); a folded list too long for the
 * HOST column goes on a line of its own below. Returns the rows used. */
static int
host_row(int width, const size_t *idx, size_t n, const char *state, const char *flags)
{
	char name[256], rate[16], acked[16], p99[16], u[8], s[8], st[8], mem[16];
	const char **names = ecalloc(n, sizeof *names);
	double *v = ecalloc(n, sizeof *v), m;
	struct hist lat;
	size_t i;
	int rows = 1;

	hist_clear(&lat);
	for (i = 0; i < n; i++) {
		names[i] = hosts[idx[i]].name;
		hist_merge(&lat, &hosts[idx[i]].lat);
	}
	hostlist_fold(names, n, name, sizeof name);
#define MED(field) med(idx, n, v, offsetof(struct mhost, field))
	m = MED(rate);
	human_count(m, rate, sizeof rate);
	m = MED(acked);
	human_count(m, acked, sizeof acked);
	pct(MED(usr), u, sizeof u);
	pct(MED(sys), s, sizeof s);
	pct(MED(stl), st, sizeof st);
	m = MED(mem);
	if (!isnan(m))
		snprintf(mem, sizeof mem, "%.0f%%", m);
	else
		human_bytes(MED(rss), mem, sizeof mem);
#undef MED
	p99ms(&lat, p99, sizeof p99);
	if (strlen(name) > 14) {
		char list[256];
		snprintf(list, sizeof list, "%s", name);
		snprintf(name, sizeof name, "%zu hosts:", n);
		if (hosts[idx[0]].state != ST_UP)
			row(width, "%-14s %-5s %s", name, state, flags);
		else
			row(width, COLS, name, state, rate, acked, p99, u, s, st, mem, flags);
		row(width, "  %s", list);
		rows = 2;
	} else if (hosts[idx[0]].state != ST_UP)      /* no values: the reason instead */
		row(width, "%-14s %-5s %s", name, state, flags);
	else
		row(width, COLS, name, state, rate, acked, p99, u, s, st, mem, flags);
	free(names);
	free(v);
	return rows;
}

static void
terminal_size(int *cols, int *rows)
{
	struct winsize ws;

	*cols = cfg.cols ? cfg.cols : 80;
	*rows = cfg.rows ? cfg.rows : 24;
	if (!cfg.cols && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/* What hosts must share to fold together when flagged: state and flag
 * words, numbers left out ("DOWN 9 s" and "DOWN 12 s" fold). */
static void
flagkey(const struct mhost *h, char *buf, size_t size)
{
	char *p;

	snprintf(buf, size, "%d %.100s", h->state, h->flags);
	for (p = buf; *p; p++)
		if (*p >= '0' && *p <= '9')
			*p = '#';
}

static void
draw(int tty, int ended)
{
	char clock[16], a[16], b[16], c[16], p99[16];
	size_t i, j, nup = 0, nstale = 0, ndown = 0, *idx, nidx, *ok, nok = 0;
	double rate = 0, acked = 0, maxstl = NAN;
	struct hist lat;
	int cols, rows, avail, used;
	time_t t = (time_t)last_ts;
	struct tm tm;

	terminal_size(&cols, &rows);
	flen = 0;
	if (tty)
		out("\033[H\033[2J");
	hist_clear(&lat);
	for (i = 0; i < hidx.n; i++) {
		struct mhost *h = &hosts[i];
		nup += h->state == ST_UP;
		nstale += h->state == ST_STALE;
		ndown += h->state == ST_DOWN;
		if (h->state == ST_UP) {
			rate += isnan(h->rate) ? 0 : h->rate;
			hist_merge(&lat, &h->lat);
			if (!isnan(h->stl) && !(h->stl <= maxstl))
				maxstl = h->stl;
		}
		acked += h->acked;
		flags_of(h);
	}
	localtime_r(&t, &tm);
	strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	row(cols, "cellstress monitor  %s  %zu hosts: %zu up, %zu stale, %zu down  (every %lld s)",
	    last_ts > 0 ? clock : "--:--:--", hidx.n, nup, nstale, ndown, cfg.refresh);
	row(cols, "cluster: %s msgs/s acked, %s acked, p99 %s ms, steal max %s%s%s",
	    human_count(rate, a, sizeof a), human_count(acked, b, sizeof b),
	    p99ms(&lat, p99, sizeof p99), pct(maxstl, c, sizeof c), isnan(maxstl) ? "" : "%",
	    ended ? "  [input ended]" : last_input > 0 && cs_now() - last_input > 3.0 * interval ?
	    "  [no data for a while]" : "");
	row(cols, "%s", "");
	row(cols, COLS, "HOST", "STATE", "MSGS/S", "ACKED", "P99ms", "USR", "SYS", "STEAL", "MEM", "FLAGS");
	used = 4;
	avail = rows - used - (tty ? 1 : 0);
	idx = ecalloc(hidx.n + 1, sizeof *idx);
	ok = ecalloc(hidx.n + 1, sizeof *ok);
	if ((int)hidx.n <= avail) {
		for (i = 0; i < hidx.n; i++)
			host_row(cols, &i, 1, statline_states[hosts[i].state], hosts[i].flags);
	} else {
		/* fold: the healthy hosts in one row, then each flagged host; when
		 * those do not fit either, flagged hosts with the same flags fold */
		size_t nflag = 0;
		for (i = 0; i < hidx.n; i++)
			if (hosts[i].state == ST_UP && hosts[i].flags[0] == '\0')
				ok[nok++] = i;
			else
				nflag++;
		if (nok == 1) {
			host_row(cols, ok, 1, "up", "");
			avail--;
		} else if (nok > 1) {
			char f[48];
			snprintf(f, sizeof f, "median of %zu", nok);
			avail -= host_row(cols, ok, nok, "ok", f);
		}
		if ((int)nflag <= avail) {
			for (i = 0; i < hidx.n; i++)
				if (!(hosts[i].state == ST_UP && hosts[i].flags[0] == '\0'))
					host_row(cols, &i, 1, statline_states[hosts[i].state], hosts[i].flags);
		} else {
			/* group by flag words (numbers dropped: "DOWN 9 s" ~ "DOWN 12 s") */
			char *done = ecalloc(hidx.n, 1), key[128], key2[128];
			int shown = 0;
			for (i = 0; i < hidx.n; i++) {
				struct mhost *h = &hosts[i];
				if (done[i] || (h->state == ST_UP && h->flags[0] == '\0'))
					continue;
				if (shown >= avail - 2) {
					size_t left = 0;
					for (j = i; j < hidx.n; j++)
						left += !done[j] && !(hosts[j].state == ST_UP && hosts[j].flags[0] == '\0');
					row(cols, "... and %zu more hosts with flags", left);
					break;
				}
				flagkey(h, key, sizeof key);
				nidx = 0;
				for (j = i; j < hidx.n; j++) {
					flagkey(&hosts[j], key2, sizeof key2);
					if (!done[j] && strcmp(key, key2) == 0) {
						idx[nidx++] = j;
						done[j] = 1;
					}
				}
				shown += host_row(cols, idx, nidx, statline_states[h->state], h->flags);
			}
			free(done);
		}
	}
	free(idx);
	free(ok);
	if (!tty)
		out("\n");
	while (flen > 0) {
		ssize_t w = write(STDOUT_FILENO, frame, flen);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			exit(errno == EPIPE ? 0 : 1);
		memmove(frame, frame + w, flen - (size_t)w);
		flen -= (size_t)w;
	}
}

/* -- main ----------------------------------------------------------------- */

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: stat-monitor [-r refresh_secs=%lld] [-1] [-g colsxrows]\n", defaults.refresh);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct statline *sl = emalloc(sizeof *sl);
	char *buf = emalloc(STATLINE_MAX + 2);
	size_t blen = 0;
	int ch, tty, eof = 0;
	double next;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "1g:hr:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case '1': cfg.once = 1; break;
		case 'g':
			if (sscanf(optarg, "%dx%d", &cfg.cols, &cfg.rows) != 2 || cfg.cols < 40 ||
			    cfg.rows < 8 || cfg.cols > 1000 || cfg.rows > 1000) {
				warnx("-g: want COLSxROWS, at least 40x8: \"%s\"", optarg);
				usage(stderr, 2);
			}
			break;
		case 'r': cfg.refresh = cs_optnum(ch, optarg, 1, 3600); break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0)
		usage(stderr, 2);
	signal(SIGPIPE, SIG_IGN);
	tty = isatty(STDOUT_FILENO) && !cfg.once;
	next = cs_now() + (double)cfg.refresh;
	if (!cfg.once)
		draw(tty, 0);
	while (!eof) {
		struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
		double wait = next - cs_now();
		int r = cfg.once ? 1 : poll(&pfd, 1, wait > 0 ? (int)(wait * 1000) + 1 : 0);

		if (r < 0 && errno != EINTR)
			err(1, "poll");
		if (r > 0) {
			ssize_t n = read(STDIN_FILENO, buf + blen, STATLINE_MAX + 1 - blen);
			char *p, *nl;
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				err(1, "<stdin>");
			if (n == 0)
				eof = 1;
			blen += n > 0 ? (size_t)n : 0;
			p = buf;
			while ((nl = memchr(p, '\n', blen - (size_t)(p - buf))) != NULL) {
				const char *why;
				*nl = '\0';
				if (statline_skip(p, (size_t)(nl - p)))
					comment(p);
				else if (statline_parse(sl, p, (size_t)(nl - p), &why) == 0)
					take(sl);
				else
					warnx("<stdin>: %s: \"%.60s\"", why, p);
				p = nl + 1;
			}
			blen -= (size_t)(p - buf);
			memmove(buf, p, blen);
			if (blen > STATLINE_MAX) {
				warnx("<stdin>: a line longer than %d bytes: skipped", STATLINE_MAX);
				blen = 0;
			}
			last_input = cs_now();
		}
		if (!cfg.once && cs_now() >= next) {
			draw(tty, 0);
			next += (double)cfg.refresh;
			if (next < cs_now())
				next = cs_now() + (double)cfg.refresh;
		}
	}
	draw(tty, !cfg.once);
	free(sl);
	free(buf);
	free(hosts);
	hostidx_free(&hidx);
	free(frame);
	return 0;
}
