/* aof.c: when the cell's Redis rewrites its AOF. A rewrite forks, and the
 * child's resident memory counts the pages it still shares with Redis: with
 * four cells on one machine, three rewriting at once took the sum of RSS
 * from 12.6 to 18.6 GiB in the seed's run. So with -A (cfg.aof_lock) Redis's
 * own trigger is off (auto-aof-rewrite-percentage 0, set by whoever starts
 * it) and cellsrv asks for BGREWRITEAOF itself when the AOF has grown
 * cfg.aof_growth percent over its base and past cfg.aof_min_mb,
 * Redis's rule, but only while it holds an flock on the machine's lock file:
 * one rewrite per machine at a time. The lock is let go when INFO says the
 * rewrite is over, or at once when it failed; the kernel lets it go when
 * cellsrv dies. Without -A nothing here runs.
 *
 * Everything is decided on the INFO answers info.c gets every 2 s, so a
 * rewrite starts and its lock is freed within 2 s of the moment it could. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "cellsrv.h"
#include "clock.h"
#include "promout.h"

static int    lockfd = -1;
static int    held;           /* we hold the machine's lock */
static int    asked;          /* a BGREWRITEAOF is in flight */
static int    waiting;        /* a rewrite is due, another cell holds the lock */
static double since;          /* when held or waiting began */
static double started, waited_s; /* rewrites started; seconds waited in all */

void
aof_start(void)
{
	if (cfg.aof_lock == NULL)
		return;
	/* Read-only is enough for flock, and opens a lock file another
	 * user made. */
	lockfd = open(cfg.aof_lock, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (lockfd == -1)
		err(1, "AOF rewrite lock %s", cfg.aof_lock);
}

void
aof_stop(void)
{
	if (lockfd != -1)
		close(lockfd);           /* frees the lock if held */
	lockfd = -1;
	held = 0;
}

static void
let_go(const char *why)
{
	flock(lockfd, LOCK_UN);
	held = 0;
	logmsg(1, "AOF rewrite %s after %.1f s; lock %s freed", why, cs_now() - since, cfg.aof_lock);
}

static void
on_rewrite(redisAsyncContext *c, void *r, void *priv)
{
	redisReply *rep = r;

	(void)c; (void)priv;
	asked = 0;
	if (!held)                       /* aof_stop came first */
		return;
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		logmsg(1, "BGREWRITEAOF: %s", rep ? rep->str : "connection lost");
		let_go("not started");
	}
}

/* A due rewrite no longer waits for the lock: count the time it did. */
static void
wait_over(void)
{
	if (waiting)
		waited_s += cs_now() - since;
	waiting = 0;
}

void
aof_info(const char *s)
{
	static const char *argv[] = { "BGREWRITEAOF" };
	static const size_t len[] = { 12 };
	double cur, base_sz, busy;

	if (lockfd == -1 || asked)
		return;
	busy = info_field(s, "aof_rewrite_in_progress") == 1 || info_field(s, "aof_rewrite_scheduled") == 1;
	if (held) {
		if (!busy)
			let_go("done");
		return;
	}
	cur = info_field(s, "aof_current_size");
	base_sz = info_field(s, "aof_base_size");
	if (base_sz < 1)                 /* as Redis: no base yet counts as 1 byte */
		base_sz = 1;
	if (busy || info_field(s, "aof_enabled") != 1 || info_field(s, "loading") != 0 || isnan(cur) ||
	    isnan(base_sz) || cur <= cfg.aof_min_mb * 1048576.0 ||
	    cur < base_sz * (100 + cfg.aof_growth) / 100) {
		wait_over();
		return;
	}
	if (flock(lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			logmsg(1, "flock %s: %s", cfg.aof_lock, strerror(errno));
		else if (!waiting)
			logmsg(2, "AOF rewrite due (%.0f MB, base %.0f MB): waiting for %s",
			    cur / 1048576, base_sz / 1048576, cfg.aof_lock);
		if (!waiting)
			since = cs_now();
		waiting = 1;
		return;
	}
	if (redis_admin(on_rewrite, NULL, 1, argv, len) != 0) {
		flock(lockfd, LOCK_UN);
		return;
	}
	wait_over();
	held = asked = 1;
	since = cs_now();
	started++;
	logmsg(1, "AOF rewrite started: %.0f MB, base %.0f MB", cur / 1048576, base_sz / 1048576);
}

void
aof_text(struct evbuffer *b)
{
	if (lockfd == -1)
		return;
	prom_one(b, "cellsrv_aof_rewrites_started_total", "counter",
	    "AOF rewrites cellsrv asked Redis for, holding the machine's lock.", started);
	prom_one(b, "cellsrv_aof_rewrite_lock_held", "gauge",
	    "1 while this cell's rewrite holds the machine's lock.", held);
	prom_one(b, "cellsrv_aof_rewrite_waiting", "gauge",
	    "1 while a rewrite is due and another cell holds the lock.", waiting);
	prom_one(b, "cellsrv_aof_rewrite_wait_seconds_total", "counter",
	    "Seconds rewrites waited for the machine's lock.", waited_s + (waiting ? cs_now() - since : 0));
}
