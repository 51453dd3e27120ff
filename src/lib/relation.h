/* relation.h: the one parser of relation lines "uid<TAB>fid" (DESIGN.md),
 * as gen-users writes them and rg-split and redis-bulkload read them. */
#ifndef CS_RELATION_H
#define CS_RELATION_H

#include <stddef.h>

#include "lines.h"

#define RELATION_LINE_MAX 64    /* longest line accepted; a valid one is <= 21 bytes */

/* Parse l's current line (line[0..len)) into *uid and *fid: two decimal ids
 * 1..max separated by one tab, uid != fid. On anything else exits 1 through
 * lines_die: "no tab between uid and fid", "field N is not a number: "..."",
 * "uid|fid N out of range 1..max", "user N is its own friend". O(len). */
void relation_parse(struct lines *l, const char *line, size_t len, long long max,
                    long long *uid, long long *fid);

#endif
