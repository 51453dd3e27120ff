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
#include "num.h"

#define CHUNK (1 << 20)         /* bytes per sendfile call */
#define NAMELEN 64              /* logged client name, NUL included */

static struct config {
	const char *addr;       /* -a */
	int         port;       /* -p */
	int         idle;       /* -t: exit after this many seconds unused */
	int         maxconn;    /* -n: connections served at once */
	int         stall;      /* -s: drop a client without progress this long */
	const char *file;
} cfg = { "127.0.0.1", 9502, 60, 8, 10, NULL };

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

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: cs-serve [-a addr (127.0.0.1)] [-p port (9502)] [-t idle_secs (60)] "
	    "[-n max_conns (8)] [-s stall_secs (10)] file\n");
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

int
main(int argc, char *argv[])
{
	struct sockaddr_in sa;
	struct stat st;
	struct conn *cs;
	struct pollfd *pf;
	double last_used, t;
	int ch, file, lfd, nconn = 0, i, r, served = 0;

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

	if ((file = open(cfg.file, O_RDONLY | O_CLOEXEC)) < 0)
		err(1, "%s", cfg.file);
	if (fstat(file, &st) != 0)
		err(1, "%s", cfg.file);
	if (!S_ISREG(st.st_mode))
		errx(1, "%s: not a regular file", cfg.file);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	lfd = listener(&sa);
	if ((cs = calloc(cfg.maxconn, sizeof *cs)) == NULL ||
	    (pf = calloc(cfg.maxconn + 1, sizeof *pf)) == NULL)
		err(1, "calloc");
	for (i = 0; i < cfg.maxconn; i++)
		cs[i].fd = -1;
	fprintf(stderr, "cs-serve: serving %s (%lld bytes) on %s:%d, idle exit %d s, %d connections at most\n",
	    cfg.file, (long long)st.st_size, cfg.addr, cfg.port, cfg.idle, cfg.maxconn);
	last_used = cs_now();

	for (;;) {
		/* The listener only while a slot is free: the rest wait in the backlog. */
		pf[0].fd = nconn < cfg.maxconn ? lfd : -1;
		pf[0].events = POLLIN;
		for (i = 0; i < cfg.maxconn; i++) {
			pf[i + 1].fd = cs[i].fd;
			pf[i + 1].events = POLLIN | (cs[i].state == SENDING ? POLLOUT : 0);
			pf[i + 1].revents = 0;
		}
		if (poll(pf, cfg.maxconn + 1, 250) < 0 && errno != EINTR)
			err(1, "poll");
		t = cs_now();
		for (i = 0; i < cfg.maxconn; i++) {
			struct conn *c = &cs[i];
			short ev = pf[i + 1].revents;
			off_t before = c->off;

			if (c->fd < 0)
				continue;
			r = 1;
			if (ev & (POLLIN | POLLHUP | POLLERR)) {
				r = take(c);
				if (r == 0 && c->state == DRAINING) {
					finish(c, st.st_size, "ok");
					nconn--;
					last_used = t;
					continue;
				}
				if (r == 0)     /* the client shut its side: keep sending */
					r = 1;
			}
			if (r > 0 && c->state == SENDING && (ev & POLLOUT))
				r = give(c, file, st.st_size);
			if (c->off != before)
				c->last = t;
			if (r < 0)
				finish(c, st.st_size, c->off == st.st_size ? "ok" : "failed: connection error");
			else if (t - c->last > cfg.stall)
				finish(c, st.st_size, c->state == DRAINING ? "ok" : "dropped: stalled");
			if (c->fd < 0) {
				nconn--;
				last_used = t;
			}
		}
		if (pf[0].revents & POLLIN) {
			for (i = 0; i < cfg.maxconn && nconn < cfg.maxconn; i++) {
				struct sockaddr_in pa;
				socklen_t len = sizeof pa;
				char a[INET_ADDRSTRLEN];
				int fd;

				if (cs[i].fd >= 0)
					continue;
				fd = accept4(lfd, (struct sockaddr *)&pa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd < 0) {
					if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
						warn("accept");
					break;
				}
				memset(&cs[i], 0, sizeof cs[i]);
				cs[i].fd = fd;
				cs[i].state = SENDING;
				cs[i].start = cs[i].last = t;
				inet_ntop(AF_INET, &pa.sin_addr, a, sizeof a);
				snprintf(cs[i].peer, sizeof cs[i].peer, "%s:%d", a, ntohs(pa.sin_port));
				nconn++;
				served++;
			}
		}
		if (nconn == 0 && t - last_used > cfg.idle) {
			fprintf(stderr, "cs-serve: idle for %d s after %d transfers: exiting\n", cfg.idle, served);
			close(lfd);
			close(file);
			free(cs);
			free(pf);
			return 0;
		}
	}
}
