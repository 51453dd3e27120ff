/* inventory.h: reader of hosts/inventory, the topology every later phase uses.
 * Format: '#' comments and blank lines, then per host
 *   name addr cell lo hi [instance-id public-addr]
 * Cells must be 1..N, each once; ranges must be contiguous from 1; addr is
 * an IPv4 address (the services listen on it). */
#ifndef CS_INVENTORY_H
#define CS_INVENTORY_H

#include <stddef.h>

struct host {
	char      name[64];
	char      addr[64];         /* private address the services listen on */
	long long cell;             /* 1..n */
	long long lo, hi;           /* users of the cell */
	char      instance[64];     /* aws instance id, or "" */
	char      public_addr[64];  /* aws public address, or "" */
};

struct inventory {
	struct host *host;          /* host[k-1] is the host of cell k */
	size_t       n;
	long long    users;         /* hi of the last cell */
};

/* Load and validate path; exits 1 with "tool: PATH:LINE: what" on bad input. */
void inventory_load(const char *path, struct inventory *inv);

/* The host of cell k, or NULL when there is none. */
const struct host *inventory_cell(const struct inventory *inv, long long k);

/* Load path and return the host of cell k: what a per-cell tool (cellsrv,
 * msgclient, checkdb) starts with. Exits 1 naming the file when it has no
 * cell k. */
const struct host *inventory_self(const char *path, long long k, struct inventory *inv);

/* The host whose range holds uid, or NULL. O(log n). */
const struct host *inventory_owner(const struct inventory *inv, long long uid);

void inventory_free(struct inventory *inv);

#endif
