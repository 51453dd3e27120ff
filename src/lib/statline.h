/* statline.h: the lines stat-collect prints and results/stats.tsv holds
 * (docs/tools.md#stat-collect), read by stat-record, stat-monitor and
 * stat-report: `TS<TAB>HOST<TAB>STATE[<TAB>key=value...]`, TS the tick in
 * Unix seconds, STATE up, stale or down; '#' lines are comments. The
 * counting keys (statline_is_delta) hold what happened in the dt seconds
 * before TS, so two lines of a host merge exactly: counts add, gauges
 * take the later value. */
#ifndef CS_STATLINE_H
#define CS_STATLINE_H

#include <stddef.h>

#define STATLINE_MAX  8192      /* longest line, without its newline */
#define STATLINE_KEYS 96        /* key=value fields of one line */

enum { ST_UP, ST_STALE, ST_DOWN };

struct statline {
	double  ts;
	char    host[64];
	int     state;
	int     nkv;
	char   *key[STATLINE_KEYS], *val[STATLINE_KEYS];    /* into buf */
	char    buf[STATLINE_MAX + 1];
};

/* Parse line[0..len) (fields split by tabs or spaces) into sl. 0, or -1
 * with *why naming what is wrong. A comment or blank line is an error
 * too: callers skip those first (statline_skip). */
int statline_parse(struct statline *sl, const char *line, size_t len, const char **why);

/* 1 for a comment or blank line. */
int statline_skip(const char *line, size_t len);

/* The value of key, or NULL. O(keys). */
const char *statline_get(const struct statline *sl, const char *key);

/* The value of key as a number; dflt when absent or not a number. */
double statline_num(const struct statline *sl, const char *key, double dflt);

/* 1 when key counts over the line's dt (merged by adding). */
int statline_is_delta(const char *key);

/* a becomes the merge of a and the later line b of the same host: counts
 * added (lat= bucket by bucket), restart= joined, everything else b's when
 * b has it, else a's; TS b's; STATE the worse of the two. -1 when the
 * merged line would be too long or a value does not parse (a unchanged). */
int statline_merge(struct statline *a, const struct statline *b);

/* *dst = *src, its pointers moved into dst's own buffer. */
void statline_copy(struct statline *dst, const struct statline *src);

/* The line of sl into out (no newline). Returns its length, or -1 when out
 * is too small. */
int statline_format(const struct statline *sl, char *out, size_t size);

extern const char *const statline_states[];    /* "up", "stale", "down" */

#endif
