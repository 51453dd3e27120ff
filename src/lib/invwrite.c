/* invwrite.c: write hosts/inventory, the one format every provider prints. */
#include <stdio.h>

#include "cells.h"
#include "invwrite.h"

void
inventory_head(FILE *fp, long long users, long long cells, const char *what)
{
	fprintf(fp, "# cellstress inventory: %lld users in %lld cells%s%s\n"
	    "# name addr cell lo hi [instance-id public-addr]\n",
	    users, cells, what ? ", " : "", what ? what : "");
}

void
inventory_host(FILE *fp, long long users, long long cells, long long k,
    const char *addr, const char *instance, const char *public_addr)
{
	long long lo, hi;

	cells_range(users, cells, k, &lo, &hi);
	fprintf(fp, "h%02lld %s %lld %lld %lld", k, addr, k, lo, hi);
	if (instance != NULL)
		fprintf(fp, " %s %s", instance, public_addr && *public_addr ? public_addr : "-");
	fputc('\n', fp);
}
