/* opt.h: what every tool's option parsing shares: --help answered like -h,
 * and numbers from argv checked against their range (a bad one is a usage
 * error, exit 2). */
#ifndef CS_OPT_H
#define CS_OPT_H

#include <getopt.h>

/* The long options of every tool: --help, answered like -h. For
 * getopt_long(argc, argv, OPTS, cs_longopts, NULL); a tool whose -h means
 * something else (redis-bulkload) keeps its own. */
extern const struct option cs_longopts[];

/* Parse an argv option into [min, max] or exit 2 with
 * "tool: -X: must be a number from min to max: "arg"" (usage error). */
long long cs_optnum(int opt, const char *arg, long long min, long long max);

#endif
