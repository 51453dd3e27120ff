/* aws-opt.h: the options the EC2 tools share: -r run, -A (every run),
 * -R region, -w seconds to wait. */
#ifndef CS_AWS_OPT_H
#define CS_AWS_OPT_H

struct aws_opts {
	const char *run;            /* NULL unless -r */
	int         all;            /* -A */
	const char *region;         /* NULL: from the AWS chain */
	long long   wait;           /* -w, seconds (1..7200) */
};

/* Exit 2 (usage) unless run is a valid run id: 1-40 of [A-Za-z0-9._-]. */
void aws_check_run(const char *run);

/* Take option ch with argument arg into o (a bad -w exits 2); returns 0 when
 * ch is not one of the shared options. */
int aws_opt(struct aws_opts *o, int ch, const char *arg);

/* After getopt: 1 when exactly one of -r and -A was given (and the run id is
 * valid, else exit 2), 0 otherwise. */
int aws_one_selection(const struct aws_opts *o);

#endif
