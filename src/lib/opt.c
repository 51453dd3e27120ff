/* opt.c: the option helpers of opt.h. */
#include <err.h>
#include <stddef.h>
#include <stdlib.h>

#include "num.h"
#include "opt.h"

const struct option cs_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

long long
cs_optnum(int opt, const char *arg, long long min, long long max)
{
	const char *errstr;
	long long v = cs_strtonum(arg, min, max, &errstr);

	if (errstr != NULL) {
		warnx("-%c: must be a number from %lld to %lld: \"%s\"", opt, min, max, arg);
		exit(2);
	}
	return v;
}
