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
#include "ealloc.h"
#include "fshut.h"
#include "lines.h"
#include "opt.h"
#include "relation.h"

#define OBUF (1 << 16)          /* stdio buffer per output */

static struct config {
	struct cells_opts lay;  /* -n users, -c cells, -k cell (0 with -o) */
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
	for (k = 0; k < cfg.lay.cells; k++)
		if (outs[k].tmp != NULL)
			unlink(outs[k].tmp);
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
		    cfg.lay.cells, n, (unsigned long long)rl.rlim_cur);
}

static void
open_outs(void)
{
	long long k;
	int fd;

	want_files(cfg.lay.cells + 16);
	if (mkdir(cfg.dir, 0777) != 0 && errno != EEXIST)
		err(1, "%s", cfg.dir);
	outs = ecalloc((size_t)cfg.lay.cells, sizeof *outs);
	atexit(cleanup);
	for (k = 0; k < cfg.lay.cells; k++) {
		outs[k].tmp = easprintf("%s/.cell-%lld.tsv.%ld.tmp", cfg.dir, k + 1, (long)getpid());
		outs[k].path = easprintf("%s/cell-%lld.tsv", cfg.dir, k + 1);
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

	for (k = 0; k < cfg.lay.cells; k++)
		fshut(outs[k].fp, outs[k].tmp);
	for (k = 0; k < cfg.lay.cells; k++)
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
		case 'o':
			cfg.dir = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			if (!cells_opt(&cfg.lay, ch, optarg))
				usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || cfg.lay.users == 0 || cfg.lay.cells == 0 ||
	    (cfg.lay.cell == 0) == (cfg.dir == NULL))
		usage(stderr, 2);
	cells_opt_check(&cfg.lay);
	if (cfg.dir != NULL)
		open_outs();
	else
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);

	lines_init_block(&l, stdin, "<stdin>", RELATION_LINE_MAX);
	while ((len = lines_next(&l, &line)) >= 0) {
		relation_parse(&l, line, (size_t)len, cfg.lay.users, &uid, &fid);
		k = cells_of(cfg.lay.users, cfg.lay.cells, uid);
		if (cfg.dir != NULL)
			fp = outs[k - 1].fp;
		else if (k == cfg.lay.cell)
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
