/* test-aws-sign.c: for each "action<TAB>x-amz-date<TAB>body" line on stdin (a
 * CELLSTRESS_AWS_TRACE file of real tool runs), prints the Authorization
 * header src/lib signs that request with, using the credentials, region and
 * endpoint of the AWS chain: tests/helper/botocore-sign.py prints botocore's. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws-cfg.h"
#include "aws-query.h"
#include "fshut.h"
#include "lines.h"

int
main(void)
{
	struct aws_cfg c;
	struct lines l;
	char *line;

	aws_cfg_load(&c, NULL);
	lines_init(&l, stdin, "<stdin>", 1 << 20);
	while (lines_next(&l, &line) >= 0) {
		char *date = strchr(line, '\t'), *body, *authz;
		if (date == NULL || (body = strchr(date + 1, '\t')) == NULL)
			lines_die(&l, "want action<TAB>date<TAB>body");
		*date++ = '\0';
		*body++ = '\0';
		authz = aws_authorization(&c, date, body);
		printf("%s %s\n", line, authz);
		free(authz);
	}
	lines_free(&l);
	aws_cfg_free(&c);
	fshut(stdout, "<stdout>");
	return 0;
}
