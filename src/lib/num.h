/* num.h: bounded number parsing (OpenBSD strtonum(3) semantics) for argv and
 * input fields. Never atoi: every number we read has a range. */
#ifndef CS_NUM_H
#define CS_NUM_H

#include <getopt.h>
#include <stddef.h>

/* Parse a whole decimal string into [min, max]. On error returns 0 and sets
 * *errstr to "invalid", "too small" or "too large"; on success *errstr = NULL. */
long long cs_strtonum(const char *s, long long min, long long max, const char **errstr);

/* Like cs_strtonum over s[0..len) (not NUL-terminated): digits only, no sign,
 * no spaces. Returns 0 and sets *errstr on error. O(len), no allocation. */
long long cs_strntonum(const char *s, size_t len, long long min, long long max,
                       const char **errstr);

/* The long options of every tool: --help, answered like -h. For
 * getopt_long(argc, argv, OPTS, cs_longopts, NULL); a tool whose -h means
 * something else (redis-bulkload) keeps its own. */
extern const struct option cs_longopts[];

/* Parse an argv option into [min, max] or exit 2 with
 * "tool: -X: must be between min and max: "arg"" (usage error). */
long long cs_optnum(int opt, const char *arg, long long min, long long max);

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
