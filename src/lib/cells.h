/* cells.h: how users are split into cells. Cell k (1..cells) owns the users
 * (k-1)*size+1 .. min(k*size, users) with size = ceil(users/cells), the
 * contract in DESIGN.md. Every tool computes ranges here and nowhere else. */
#ifndef CS_CELLS_H
#define CS_CELLS_H

#define CELLS_MAX_USERS 1000000000LL
#define CELLS_MAX_CELLS 10000LL

/* NULL when (users, cells) is a valid layout (every cell non-empty), else a
 * message saying why not. */
const char *cells_check(long long users, long long cells);

/* The options of the tools that split users into cells (gen-users, rg-split). */
struct cells_opts {
	long long users;        /* -n */
	long long cells;        /* -c */
	long long cell;         /* -k, 0 = none given */
};

/* Take option ch (n, c or k) with argument arg into o (a number out of
 * range exits 2); returns 0 when ch is not one of them. */
int cells_opt(struct cells_opts *o, int ch, const char *arg);

/* After getopt, -n and -c given: when the layout is invalid or -k names no
 * cell of it, print why and exit 2. */
void cells_opt_check(const struct cells_opts *o);

/* ceil(users / cells). */
long long cells_size(long long users, long long cells);

/* The cell (1..cells) of uid (1..users). O(1). */
long long cells_of(long long users, long long cells, long long uid);

/* First and last uid of cell k. */
void cells_range(long long users, long long cells, long long k, long long *lo, long long *hi);

#endif
