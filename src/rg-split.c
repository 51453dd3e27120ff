/* rg-split: split relation lines "uid<TAB>fid" by the cell of uid (the cell
 * ranges of cells.h). -k CELL passes that cell's lines to stdout; -o DIR
 * writes DIR/cell-K.tsv for every cell in one pass, through temporary names
 * renamed only after every file is complete, so a failure never leaves files
 * that look whole. Every line is validated (two decimal ids 1..users, one
 * tab, no self-friendship); a bad line stops it with "FILE:LINE: what". */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cells.h"
#include "io.h"
#include "lines.h"
#include "num.h"
#include "relation.h"

#define OBUF (1 << 16)          /* stdio buffer per output */

static struct config {
	long long   users;      /* -n */
	long long   cells;      /* -c */
	long long   cell;       /* -k, 0 with -o */
	const char *dir;        /* -o */
} cfg;

static struct out {
	FILE *fp;
	char *tmp;              /* DIR/.cell-K.tsv.PID.tmp while writing */
	char *path;             /* DIR/cell-K.tsv */
} *outs;
static int committed;

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: rg-split -n users -c cells (-k cell | -o dir)\n");
	exit(status);
}

/* atexit: on any failure remove the temporary files. */
static void
cleanup(void)
{
	long long k;

	if (outs == NULL || committed)
		return;
	for (k = 0; k < cfg.cells; k++)
		if (outs[k].tmp != NULL)
			unlink(outs[k].tmp);
}

static char *
xasprintf(const char *fmt, const char *dir, long long k)
{
	char *s;

	if (asprintf(&s, fmt, dir, k, (long)getpid()) < 0)
		err(1, "asprintf");
	return s;
}

/* Make sure one descriptor per cell fits under RLIMIT_NOFILE. */
static void
want_files(long long n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		err(1, "getrlimit");
	if ((long long)rl.rlim_cur < n && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && (long long)rl.rlim_cur < n)
		errx(1, "-o: %lld cells need %lld open files; the limit is %llu",
		    cfg.cells, n, (unsigned long long)rl.rlim_cur);
}

static void
open_outs(void)
{
	long long k;
	int fd;

	want_files(cfg.cells + 16);
	if (mkdir(cfg.dir, 0777) != 0 && errno != EEXIST)
		err(1, "%s", cfg.dir);
	outs = calloc((size_t)cfg.cells, sizeof *outs);
	if (outs == NULL)
		err(1, "calloc");
	atexit(cleanup);
	for (k = 0; k < cfg.cells; k++) {
		outs[k].tmp = xasprintf("%s/.cell-%lld.tsv.%ld.tmp", cfg.dir, k + 1);
		outs[k].path = xasprintf("%s/cell-%lld.tsv", cfg.dir, k + 1);
		fd = open(outs[k].tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 || (outs[k].fp = fdopen(fd, "w")) == NULL)
			err(1, "%s", outs[k].tmp);
		setvbuf(outs[k].fp, NULL, _IOFBF, OBUF);
	}
}

/* Close every file (checked), then rename them into place. */
static void
commit_outs(void)
{
	long long k;

	for (k = 0; k < cfg.cells; k++)
		fshut(outs[k].fp, outs[k].tmp);
	for (k = 0; k < cfg.cells; k++)
		if (rename(outs[k].tmp, outs[k].path) != 0)
			err(1, "rename %s to %s", outs[k].tmp, outs[k].path);
	committed = 1;
}

int
main(int argc, char *argv[])
{
	struct lines l;
	char *line;
	ssize_t len;
	long long uid, fid, k;
	FILE *fp;
	int ch;

	while ((ch = getopt_long(argc, argv, "n:c:k:o:h", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			cfg.users = cs_optnum(ch, optarg, 1, CELLS_MAX_USERS);
			break;
		case 'c':
			cfg.cells = cs_optnum(ch, optarg, 1, CELLS_MAX_CELLS);
			break;
		case 'k':
			cfg.cell = cs_optnum(ch, optarg, 1, CELLS_MAX_CELLS);
			break;
		case 'o':
			cfg.dir = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || cfg.users == 0 || cfg.cells == 0 ||
	    (cfg.cell == 0) == (cfg.dir == NULL))
		usage(stderr, 2);
	cells_opt_check(cfg.users, cfg.cells, cfg.cell);
	if (cfg.dir != NULL)
		open_outs();
	else
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);

	lines_init_block(&l, stdin, "<stdin>", RELATION_LINE_MAX);
	while ((len = lines_next(&l, &line)) >= 0) {
		relation_parse(&l, line, (size_t)len, cfg.users, &uid, &fid);
		k = cells_of(cfg.users, cfg.cells, uid);
		if (cfg.dir != NULL)
			fp = outs[k - 1].fp;
		else if (k == cfg.cell)
			fp = stdout;
		else
			continue;
		line[len] = '\n';
		if (fwrite_unlocked(line, 1, (size_t)len + 1, fp) != (size_t)len + 1)
			err(1, "%s: write error", fp == stdout ? "<stdout>" : outs[k - 1].tmp);
	}
	if (l.lineno == 0)
		errx(1, "%s: no relation lines (empty input)", l.name);
	lines_free(&l);
	if (cfg.dir != NULL)
		commit_outs();
	else
		fshut(stdout, "<stdout>");
	return 0;
}
