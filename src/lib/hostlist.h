/* hostlist.h: a set of host names written short, as pdsh's dshbak folds
 * them: h01 h02 h03 h05 h07 -> "h[01-03,05,07]". stat-monitor folds its rows
 * with it, stat-record names the hosts that are down. */
#ifndef CS_HOSTLIST_H
#define CS_HOSTLIST_H

#include <stddef.h>

/* names[0..n) (in the order given: runs of the same prefix and digit width
 * with consecutive numbers become ranges) folded into buf, NUL-terminated.
 * A result longer than size-1 is cut and ends with "..". Returns buf. */
char *hostlist_fold(const char *const *names, size_t n, char *buf, size_t size);

#endif
