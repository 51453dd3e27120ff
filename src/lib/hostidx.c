/* hostidx.c: the host name index of hostidx.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "hostidx.h"

size_t
hostidx_find(struct hostidx *t, const char *name, int add)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		size_t k = (t->last + 1 + i) % t->n;     /* the next host first */
		if (strcmp(t->name[k], name) == 0)
			return t->last = k;
	}
	if (!add)
		return HOSTIDX_NONE;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->name = ereallocarray(t->name, t->cap, sizeof *t->name);
	}
	snprintf(t->name[t->n], sizeof t->name[0], "%s", name);
	return t->last = t->n++;
}

void *
hostidx_slot(struct hostidx *t, const char *name, void **arr, size_t size, int *added)
{
	size_t cap = t->cap, n = t->n, k = hostidx_find(t, name, 1);

	if (t->cap != cap || *arr == NULL)
		*arr = ereallocarray(*arr, t->cap, size);
	*added = t->n != n;
	if (*added)
		memset((char *)*arr + k * size, 0, size);
	return (char *)*arr + k * size;
}

void
hostidx_free(struct hostidx *t)
{
	free(t->name);
	t->name = NULL;
	t->n = t->cap = t->last = 0;
}
