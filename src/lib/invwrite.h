/* invwrite.h: the one writer of hosts/inventory (the format inventory.h
 * reads): every provider's inventory, cs-inventory's and ec2-run's, comes
 * from here, with the cell ranges of cells.h. */
#ifndef CS_INVWRITE_H
#define CS_INVWRITE_H

#include <stdio.h>

/* The opening comments: "# cellstress inventory: U users in C cells[, what]"
 * and the column names. what may be NULL. */
void inventory_head(FILE *fp, long long users, long long cells, const char *what);

/* The line of cell k: "hKK addr k lo hi" and, when instance is not NULL,
 * " instance public" (public NULL or "" is written "-"). */
void inventory_host(FILE *fp, long long users, long long cells, long long k,
                    const char *addr, const char *instance, const char *public_addr);

#endif
