/* cells.c: cell-range arithmetic shared by every tool, and the -n -c -k
 * options of the tools that take a layout. */
#include <err.h>
#include <stdlib.h>

#include "cells.h"
#include "opt.h"

long long
cells_size(long long users, long long cells)
{
	return (users + cells - 1) / cells;
}

const char *
cells_check(long long users, long long cells)
{
	if (users < 1 || users > CELLS_MAX_USERS)
		return "users must be from 1 to 1000000000";
	if (cells < 1 || cells > CELLS_MAX_CELLS)
		return "cells must be from 1 to 10000";
	if (cells > users)
		return "more cells than users";
	/* The last cell starts at (cells-1)*size+1; it must not be past users. */
	if ((cells - 1) * cells_size(users, cells) >= users)
		return "with this many cells the last cell would be empty";
	return 0;
}

int
cells_opt(struct cells_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'n':
		o->users = cs_optnum(ch, arg, 1, CELLS_MAX_USERS);
		return 1;
	case 'c':
		o->cells = cs_optnum(ch, arg, 1, CELLS_MAX_CELLS);
		return 1;
	case 'k':
		o->cell = cs_optnum(ch, arg, 1, CELLS_MAX_CELLS);
		return 1;
	default:
		return 0;
	}
}

void
cells_opt_check(const struct cells_opts *o)
{
	const char *why = cells_check(o->users, o->cells);

	if (why != NULL) {
		warnx("-n %lld -c %lld: %s", o->users, o->cells, why);
		exit(2);
	}
	if (o->cell > o->cells) {
		warnx("-k %lld: there are only %lld cells", o->cell, o->cells);
		exit(2);
	}
}

long long
cells_of(long long users, long long cells, long long uid)
{
	return (uid - 1) / cells_size(users, cells) + 1;
}

void
cells_range(long long users, long long cells, long long k, long long *lo, long long *hi)
{
	long long size = cells_size(users, cells);

	*lo = (k - 1) * size + 1;
	*hi = k * size < users ? k * size : users;
}
