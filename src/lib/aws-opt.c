/* aws-opt.c: the options the EC2 tools share (aws-opt.h): -r run (a checked
 * run id), -A, -R region, -w seconds to wait. */
#include <err.h>
#include <string.h>

#include "aws-opt.h"
#include "opt.h"

void
aws_check_run(const char *run)
{
	size_t i, n = strlen(run);

	if (n == 0 || n > 40)
		errx(2, "run id must be 1 to 40 characters: \"%s\"", run);
	for (i = 0; i < n; i++) {
		char c = run[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			errx(2, "run id may hold only A-Z a-z 0-9 . _ -: \"%s\"", run);
	}
}

int
aws_opt(struct aws_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'A':
		o->all = 1;
		return 1;
	case 'R':
		o->region = arg;
		return 1;
	case 'r':
		aws_check_run(arg);
		o->run = arg;
		return 1;
	case 'w':
		o->wait = cs_optnum(ch, arg, 1, 7200);
		return 1;
	default:
		return 0;
	}
}

int
aws_one_selection(const struct aws_opts *o)
{
	return (o->run != NULL) != (o->all != 0);
}
