/* cs-serve: serve ONE file, read-only, to whoever connects to addr:port:
 * every connection gets the file's bytes from the first to the last, then
 * the connection is closed. It is how deploy's SHIP=tree passes the runtime
 * archive from a host to its children (mk/deploy.mk), so it is tiny and
 * bounded: poll(2) and sendfile(2), at most -n connections at once (the
 * others wait in the listen backlog), a client that makes no progress for
 * -s seconds is dropped, and it exits after -t seconds without a connection.
 * It writes nothing but its log (stderr): one line when listening, one line
 * per transfer. Request bytes are read and thrown away; a first line of
 * printable bytes (at most 63) is logged as the client's name, nothing more. */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ealloc.h"
#include "opt.h"

#define CHUNK (1 << 20)         /* bytes per sendfile call */
#define NAMELEN 64              /* logged client name, NUL included */

static struct config {
	const char *addr;       /* -a */
	int         port;       /* -p */
	int         idle;       /* -t: exit after this many seconds unused */
	int         maxconn;    /* -n: connections served at once */
	int         stall;      /* -s: drop a client without progress this long */
	const char *file;
} cfg;

/* What cfg starts as, and what usage() shows. */
static const struct config defaults = { "127.0.0.1", 9502, 60, 8, 10, NULL };

enum { SENDING, DRAINING };

struct conn {
	int    fd;
	int    state;           /* SENDING, then DRAINING: all sent, wait for EOF */
	int    named;           /* the name's line has ended */
	off_t  off;             /* next byte of the file to send */
	double start, last;     /* accept time, last progress */
	char   peer[64];        /* addr:port */
	char   name[NAMELEN];
	size_t namelen;
};

/* The server while it runs: the file, the listener, cfg.maxconn slots. */
static struct server {
	int            file;
	off_t          size;        /* of the file, taken once at the start */
	int            lfd;         /* listening socket */
	struct conn   *cs;          /* cfg.maxconn slots; fd < 0 when free */
	struct pollfd *pf;          /* pf[0] the listener, pf[i+1] slot i */
	int            nconn;       /* slots in use */
	int            served;      /* connections accepted */
	double         last_used;   /* when the last connection ended, or the start */
} sv;

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: cs-serve [-a addr=%s] [-p port=%d] [-t idle_secs=%d] "
	    "[-n max_conns=%d] [-s stall_secs=%d] file\n", defaults.addr, defaults.port,
	    defaults.idle, defaults.maxconn, defaults.stall);
	exit(status);
}

/* finish: log the transfer's one line and close it. */
static void
finish(struct conn *c, off_t size, const char *how)
{
	fprintf(stderr, "cs-serve: transfer peer=%s from=%s bytes=%lld/%lld seconds=%.3f %s\n",
	    c->peer, c->namelen ? c->name : "-", (long long)c->off, (long long)size,
	    cs_now() - c->start, how);
	close(c->fd);
	c->fd = -1;
}

/* take: read what the client sent and throw it away, keeping the printable
 * bytes of its first line as its name. Returns 0 at EOF, -1 on error, 1
 * otherwise (also when nothing was there). */
static int
take(struct conn *c)
{
	char buf[512];
	ssize_t n, i;

	n = read(c->fd, buf, sizeof buf);
	if (n == 0)
		return 0;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 1 : -1;
	for (i = 0; i < n && !c->named; i++) {
		if (buf[i] == '\n' || buf[i] == '\r')
			c->named = 1;
		else if (buf[i] > ' ' && buf[i] < 127 && buf[i] != '"' && c->namelen < NAMELEN - 1)
			c->name[c->namelen++] = buf[i];
	}
	c->name[c->namelen] = '\0';
	return 1;
}

/* give: send the next chunk of the file; when all is sent, shut down our
 * side and wait for the client's EOF (closing with its bytes unread would
 * reset the connection and could cost it the file's tail). Returns -1 on
 * error, 1 otherwise. */
static int
give(struct conn *c, int file, off_t size)
{
	off_t left = size - c->off;
	ssize_t n;

	if (left > 0) {
		n = sendfile(c->fd, file, &c->off, left < CHUNK ? (size_t)left : CHUNK);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 1 : -1;
		if (n == 0)
			return -1;      /* the file shrank under us */
	}
	if (c->off == size) {
		shutdown(c->fd, SHUT_WR);
		c->state = DRAINING;
	}
	return 1;
}

static int
listener(struct sockaddr_in *sa)
{
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(1, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
		err(1, "setsockopt");
	if (bind(fd, (struct sockaddr *)sa, sizeof *sa) != 0)
		err(1, "bind %s:%d", cfg.addr, cfg.port);
	if (listen(fd, 64) != 0)
		err(1, "listen %s:%d", cfg.addr, cfg.port);
	return fd;
}

/* step: one poll turn of slot c (revents ev, time t): read and drop what the
 * client sent, send what fits, end the transfer when it is done, failed or
 * stalled. */
static void
step(struct conn *c, short ev, double t)
{
	off_t before = c->off;
	int r = 1;

	if (ev & (POLLIN | POLLHUP | POLLERR)) {
		r = take(c);
		if (r == 0 && c->state == DRAINING) {
			finish(c, sv.size, "ok");
			sv.nconn--;
			sv.last_used = t;
			return;
		}
		if (r == 0)     /* the client shut its side: keep sending */
			r = 1;
	}
	if (r > 0 && c->state == SENDING && (ev & POLLOUT))
		r = give(c, sv.file, sv.size);
	if (c->off != before)
		c->last = t;
	if (r < 0)
		finish(c, sv.size, c->off == sv.size ? "ok" : "failed: connection error");
	else if (t - c->last > cfg.stall)
		finish(c, sv.size, c->state == DRAINING ? "ok" : "dropped: stalled");
	if (c->fd < 0) {
		sv.nconn--;
		sv.last_used = t;
	}
}

/* admit: accept waiting clients into the free slots (time t). */
static void
admit(double t)
{
	int i;

	for (i = 0; i < cfg.maxconn && sv.nconn < cfg.maxconn; i++) {
		struct conn *c = &sv.cs[i];
		struct sockaddr_in pa;
		socklen_t len = sizeof pa;
		char a[INET_ADDRSTRLEN];
		int fd;

		if (c->fd >= 0)
			continue;
		fd = accept4(sv.lfd, (struct sockaddr *)&pa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				warn("accept");
			break;
		}
		memset(c, 0, sizeof *c);
		c->fd = fd;
		c->state = SENDING;
		c->start = c->last = t;
		inet_ntop(AF_INET, &pa.sin_addr, a, sizeof a);
		snprintf(c->peer, sizeof c->peer, "%s:%d", a, ntohs(pa.sin_port));
		sv.nconn++;
		sv.served++;
	}
}

/* serve: the poll loop, until no connection has been open for cfg.idle
 * seconds. */
static void
serve(void)
{
	double t;
	int i;

	sv.last_used = cs_now();
	for (;;) {
		/* The listener only while a slot is free: the rest wait in the backlog. */
		sv.pf[0].fd = sv.nconn < cfg.maxconn ? sv.lfd : -1;
		sv.pf[0].events = POLLIN;
		for (i = 0; i < cfg.maxconn; i++) {
			sv.pf[i + 1].fd = sv.cs[i].fd;
			sv.pf[i + 1].events = POLLIN | (sv.cs[i].state == SENDING ? POLLOUT : 0);
			sv.pf[i + 1].revents = 0;
		}
		if (poll(sv.pf, cfg.maxconn + 1, 250) < 0 && errno != EINTR)
			err(1, "poll");
		t = cs_now();
		for (i = 0; i < cfg.maxconn; i++)
			if (sv.cs[i].fd >= 0)
				step(&sv.cs[i], sv.pf[i + 1].revents, t);
		if (sv.pf[0].revents & POLLIN)
			admit(t);
		if (sv.nconn == 0 && t - sv.last_used > cfg.idle)
			return;
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sa;
	struct stat st;
	int ch, i;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "a:hn:p:s:t:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': cfg.addr = optarg; break;
		case 'n': cfg.maxconn = (int)cs_optnum('n', optarg, 1, 1000); break;
		case 'p': cfg.port = (int)cs_optnum('p', optarg, 1, 65535); break;
		case 's': cfg.stall = (int)cs_optnum('s', optarg, 1, 86400); break;
		case 't': cfg.idle = (int)cs_optnum('t', optarg, 1, 864000); break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(stderr, 2);
	cfg.file = argv[0];
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(cfg.port);
	if (inet_pton(AF_INET, cfg.addr, &sa.sin_addr) != 1) {
		warnx("-a: not an IPv4 address: \"%s\"", cfg.addr);
		exit(2);
	}

	if ((sv.file = open(cfg.file, O_RDONLY | O_CLOEXEC)) < 0)
		err(1, "%s", cfg.file);
	if (fstat(sv.file, &st) != 0)
		err(1, "%s", cfg.file);
	if (!S_ISREG(st.st_mode))
		errx(1, "%s: not a regular file", cfg.file);
	sv.size = st.st_size;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	sv.lfd = listener(&sa);
	sv.cs = ecalloc(cfg.maxconn, sizeof *sv.cs);
	sv.pf = ecalloc(cfg.maxconn + 1, sizeof *sv.pf);
	for (i = 0; i < cfg.maxconn; i++)
		sv.cs[i].fd = -1;
	fprintf(stderr, "cs-serve: serving %s (%lld bytes) on %s:%d, idle exit %d s, %d connections at most\n",
	    cfg.file, (long long)sv.size, cfg.addr, cfg.port, cfg.idle, cfg.maxconn);

	serve();
	fprintf(stderr, "cs-serve: idle for %d s after %d transfers: exiting\n", cfg.idle, sv.served);
	close(sv.lfd);
	close(sv.file);
	free(sv.cs);
	free(sv.pf);
	return 0;
}
