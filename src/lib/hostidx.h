/* hostidx.h: host names to small indexes, for the tools that learn the
 * hosts from the stats lines they read (stat-record, stat-monitor,
 * stat-report) and keep per-host arrays of their own, indexed alike. */
#ifndef CS_HOSTIDX_H
#define CS_HOSTIDX_H

#include <stddef.h>

#define HOSTIDX_NONE ((size_t)-1)

struct hostidx {
	char  (*name)[64];        /* name[i]: the host of index i */
	size_t  n, cap;
	size_t  last;             /* the index found last */
};

/* The index of name: new ones get the next index (n-1 after the call)
 * when add != 0, else HOSTIDX_NONE. O(1) for lines in their usual order
 * (host after host, the same order every tick), O(hosts) otherwise.
 * Names are at most 63 bytes (statline's). */
size_t hostidx_find(struct hostidx *t, const char *name, int add);

/* The element of name in *arr, an array of elements of size bytes that the
 * caller keeps beside t (one per host, same index), grown with it: found,
 * or added zeroed (*added = 1). The only way to add to t while it has such
 * an array. */
void *hostidx_slot(struct hostidx *t, const char *name, void **arr, size_t size, int *added);

void hostidx_free(struct hostidx *t);

#endif
