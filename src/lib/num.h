/* num.h: bounded number parsing (OpenBSD strtonum(3) semantics) for argv and
 * input fields. Never atoi: every number we read has a range. */
#ifndef CS_NUM_H
#define CS_NUM_H

#include <stddef.h>

/* cs_longopts and cs_optnum, once here, now live in opt.h: included for the
 * code that still takes them from num.h (cellsrv). */
#include "opt.h"

/* Parse a whole decimal string into [min, max]. On error returns 0 and sets
 * *errstr to "invalid", "too small" or "too large"; on success *errstr = NULL. */
long long cs_strtonum(const char *s, long long min, long long max, const char **errstr);

/* Like cs_strtonum over s[0..len) (not NUL-terminated): digits only, no sign,
 * no spaces. Returns 0 and sets *errstr on error. O(len), no allocation. */
long long cs_strntonum(const char *s, size_t len, long long min, long long max,
                       const char **errstr);

/* Write the decimal digits of v at p (no NUL, at most 20 bytes) and return
 * the end: the fast path for tools that print millions of numbers. */
char *cs_utoa(char *p, unsigned long long v);

/* The number of a field: cs_strntonum over *sp up to the first byte delim,
 * or to e (an empty field is "invalid"). *sp moves to that delimiter, or e,
 * either way, so a caller reads field after field ("12 34 rest", a path
 * "12/34"). O(field length). */
long long cs_fieldnum(const char **sp, const char *e, int delim, long long min,
                      long long max, const char **errstr);

#endif
