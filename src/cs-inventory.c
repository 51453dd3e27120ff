/* cs-inventory: print hosts/inventory for USERS users in CELLS cells, one
 * line per host "name addr cell lo hi [instance-id public-addr]" with the
 * contract's split (cells.h). With -a NET host k gets the address
 * NET.(FIRST+k-1) (PROVIDER=local); without it the addresses come from
 * stdin, one host per line "addr [instance-id public-addr]" in cell order (a
 * provider's launch output). -q only checks the layout. make calls it with
 * its variables, so the messages name them (USERS, HOSTS, NET, FIRST). */
#include <arpa/inet.h>
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "ealloc.h"
#include "fshut.h"
#include "invwrite.h"
#include "lines.h"
#include "num.h"
#include "opt.h"

static const struct config {
	const char *users, *cells; /* -n -c: checked here, named as make's variables */
	const char *net;           /* -a: three numbers, like 127.0.1 */
	const char *first;         /* -f: the last number of host 1's address */
	int         quiet;         /* -q */
} defaults = { NULL, NULL, NULL, "1", 0 };
static struct config cfg;

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: cs-inventory [-q] -n users -c cells [-a net [-f first=%s]]\n",
	    defaults.first);
	exit(status);
}

/* A make variable's value as a positive number up to max, or exit 1. */
static long long
posnum(const char *var, const char *s, long long max)
{
	const char *errstr;
	long long v;

	v = cs_strtonum(s, 1, LLONG_MAX, &errstr);
	if (s[0] == '0' || errstr != NULL)
		errx(1, "%s must be a positive number: \"%s\"", var, s);
	if (v > max)
		errx(1, "%s must be at most %lld: \"%s\"", var, max, s);
	return v;
}

int
main(int argc, char *argv[])
{
	long long users, cells, first, k = 0, size;
	struct in_addr ia;
	int ch, dots = 0;
	const char *p;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "a:c:f:hn:q", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': cfg.net = optarg; break;
		case 'c': cfg.cells = optarg; break;
		case 'f': cfg.first = optarg; break;
		case 'n': cfg.users = optarg; break;
		case 'q': cfg.quiet = 1; break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || cfg.users == NULL || cfg.cells == NULL)
		usage(stderr, 2);
	users = posnum("USERS", cfg.users, CELLS_MAX_USERS);
	cells = posnum("HOSTS", cfg.cells, CELLS_MAX_CELLS);
	first = posnum("FIRST", cfg.first, 254);
	size = cells_size(users, cells);
	if (cells_check(users, cells) != NULL)
		errx(1, "USERS=%lld HOSTS=%lld: cell %lld would be empty (each of %lld cells holds up to %lld users)",
		    users, cells, cells, cells, size);
	if (cfg.net != NULL) {
		char probe[32];

		for (p = cfg.net; *p; p++)
			dots += *p == '.';
		if (dots != 2 || snprintf(probe, sizeof probe, "%s.1", cfg.net) >= (int)sizeof probe ||
		    inet_pton(AF_INET, probe, &ia) != 1)
			errx(1, "NET must be three numbers like 127.0.1: \"%s\"", cfg.net);
		if (first + cells - 1 > 254)
			errx(1, "NET=%s FIRST=%lld HOSTS=%lld: the last host would be %s.%lld, past .254",
			    cfg.net, first, cells, cfg.net, first + cells - 1);
	}
	if (cfg.quiet)
		return 0;

	/* Every line is read and checked before anything is printed: a bad
	 * input leaves no half inventory behind. */
	struct host { char *addr, *instance, *pub; } *h = ecalloc((size_t)cells, sizeof *h);
	if (cfg.net != NULL) {
		for (k = 1; k <= cells; k++)
			h[k - 1].addr = easprintf("%s.%lld", cfg.net, first + k - 1);
	} else {
		struct lines l;
		char *line, *f[4], *save;
		int n;

		lines_init(&l, stdin, "<stdin>", 0);
		while (lines_next(&l, &line) >= 0) {
			for (n = 0, f[0] = strtok_r(line, " \t", &save); f[n] != NULL && n < 3;)
				f[++n] = strtok_r(NULL, " \t", &save);
			if (n == 0)
				continue;
			if (n == 3 && strtok_r(NULL, " \t", &save) != NULL)
				lines_die(&l, "more than 3 fields (addr [instance-id public-addr])");
			if (n == 2)
				lines_die(&l, "an instance id without a public address");
			if (inet_pton(AF_INET, f[0], &ia) != 1)
				lines_die(&l, "not an IPv4 address: \"%s\"", f[0]);
			if (++k > cells)
				lines_die(&l, "more than %lld hosts", cells);
			h[k - 1].addr = estrdup(f[0]);
			if (n == 3) {
				h[k - 1].instance = estrdup(f[1]);
				h[k - 1].pub = estrdup(f[2]);
			}
		}
		lines_free(&l);
		if (k != cells)
			errx(1, "<stdin>: %lld hosts, want %lld", k, cells);
	}
	inventory_head(stdout, users, cells, NULL);
	for (k = 1; k <= cells; k++) {
		inventory_host(stdout, users, cells, k, h[k - 1].addr, h[k - 1].instance, h[k - 1].pub);
		free(h[k - 1].addr);
		free(h[k - 1].instance);
		free(h[k - 1].pub);
	}
	free(h);
	fshut(stdout, "<stdout>");
	return 0;
}
