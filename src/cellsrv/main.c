/* cellsrv: the chat backend of one cell. One thread, one libevent loop: an
 * HTTP/1.1 API for the cell's users (evhttp), one hiredis async connection to
 * the cell's redis-server, where every protocol step is one FCALL of the
 * function library src/cellsrv.lua, and line-protocol links to the other cells
 * (peerline.h). cellsrv keeps nothing a restart would lose: all state is in
 * Redis, and what was in flight is recovered by the clients' re-sends.
 *
 * main.c: the settings, the log, and the order things start and stop in;
 * cellsrv.h says which file does what. */
#include <err.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "cellsrv.h"
#include "host.h"
#include "num.h"
#include "opt.h"

struct config cfg;

/* What cfg starts as, and what usage() shows. */
static const struct config defaults = {
	.http_port = PORT_HTTP,
	.peer_port = PORT_PEER,
	.redis_port = PORT_REDIS,
	.max_inflight = 4096,
	.peer_buf = 8 << 20,
	.window = 65536,
	.link_timeout = 5000,
	.verbose = 1,
	.aof_growth = 400,
	.aof_min_mb = 64,
};

struct inventory   inv;
const struct host *self;
struct event_base *base;

void
logmsg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > cfg.verbose)
		return;
	va_start(ap, fmt);
	fputs("cellsrv: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what; (void)arg;
	logmsg(1, "signal %d: exiting", (int)sig);
	event_base_loopexit(base, NULL);
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: cellsrv -i inventory -k cell [-a addr=inventory] [-R redis_addr=addr] "
	    "[-p http_port=%d] [-P peer_port=%d] [-r redis_port=%d] [-m max_inflight=%lld] "
	    "[-b peer_buf_bytes=%lld] [-w send_window=%lld] [-t link_timeout_ms=%d] "
	    "[-A aof_rewrite_lock [-G aof_growth_pct=%lld] [-M aof_min_mb=%lld]] [-q | -v]\n",
	    defaults.http_port, defaults.peer_port, defaults.redis_port, defaults.max_inflight,
	    defaults.peer_buf, defaults.window, defaults.link_timeout, defaults.aof_growth,
	    defaults.aof_min_mb);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct event *sigterm, *sigint;
	struct event_config *evcfg;
	int ch;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "A:a:b:G:hi:k:M:m:P:p:qR:r:t:vw:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'A': cfg.aof_lock = optarg; break;
		case 'a': cfg.addr = optarg; break;
		case 'b': cfg.peer_buf = cs_optnum(ch, optarg, 4096, 1LL << 34); break;
		case 'G': cfg.aof_growth = cs_optnum(ch, optarg, 1, 100000); break;
		case 'i': cfg.inventory = optarg; break;
		case 'k': cfg.cell = cs_optnum(ch, optarg, 1, 100000); break;
		case 'M': cfg.aof_min_mb = cs_optnum(ch, optarg, 0, 1 << 30); break;
		case 'm': cfg.max_inflight = cs_optnum(ch, optarg, 2, 1 << 20); break;
		case 'P': cfg.peer_port = (int)cs_optnum(ch, optarg, 1, 65535); break;
		case 'p': cfg.http_port = (int)cs_optnum(ch, optarg, 1, 65535); break;
		case 'q': cfg.verbose = 0; break;
		case 'R': cfg.redis_addr = optarg; break;
		case 'r': cfg.redis_port = (int)cs_optnum(ch, optarg, 1, 65535); break;
		case 't': cfg.link_timeout = (int)cs_optnum(ch, optarg, 100, 3600000); break;
		case 'v': cfg.verbose = 2; break;
		case 'w': cfg.window = cs_optnum(ch, optarg, 1, 1LL << 30); break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || cfg.inventory == NULL || cfg.cell == 0)
		usage(stderr, 2);

	self = inventory_self(cfg.inventory, cfg.cell, &inv);
	if (cfg.addr == NULL)
		cfg.addr = self->addr;
	if (cfg.redis_addr == NULL)
		cfg.redis_addr = cfg.addr;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	/* The changelist folds the many enable/disable calls of a loop turn
	 * into one epoll_ctl per descriptor. */
	if ((evcfg = event_config_new()) == NULL)
		errx(1, "event_config_new failed");
	event_config_set_flag(evcfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	if ((base = event_base_new_with_config(evcfg)) == NULL)
		errx(1, "event_base_new failed");
	event_config_free(evcfg);

	aof_start();
	metrics_start();
	http_start();
	pin_listen();
	logmsg(1, "listening on %s:%d", cfg.addr, cfg.http_port);
	logmsg(1, "peer port %s:%d", cfg.addr, cfg.peer_port);
	peer_start();
	send_start();
	redis_start();
	info_start();

	sigterm = evsignal_new(base, SIGTERM, on_signal, NULL);
	sigint = evsignal_new(base, SIGINT, on_signal, NULL);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);

	event_base_dispatch(base);

	/* No Redis call from here: the SENDs not yet sent, then the calls in
	 * flight, are answered 503 while the HTTP server is still there. */
	redis_ready = 0;
	info_stop();
	aof_stop();
	send_stop();
	redis_stop();
	pin_stop();
	peer_stop();
	http_stop();
	event_free(sigterm);
	event_free(sigint);
	event_base_free(base);
	inventory_free(&inv);
	return 0;
}
