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

/* For tools taking -n users -c cells [-k cell]: when the layout is invalid
 * or cell (0 = none given) is not one of its cells, print why and exit 2. */
void cells_opt_check(long long users, long long cells, long long cell);

/* ceil(users / cells). */
long long cells_size(long long users, long long cells);

/* The cell (1..cells) of uid (1..users). O(1). */
long long cells_of(long long users, long long cells, long long uid);

/* First and last uid of cell k. */
void cells_range(long long users, long long cells, long long k, long long *lo, long long *hi);

#endif
