/* testhelp.h: the TAP harness of the C unit tests (Redis testhelp.h-sized):
 * ok(cond, what) prints "ok N - what" or "not ok N - what"; done_testing()
 * prints the plan and "N tests, N passed, N failed" and gives main's exit
 * status (1 on any failure). Include it once, from the test's .c file. */
#ifndef CS_TESTHELP_H
#define CS_TESTHELP_H

#include <stdio.h>

static int th_n, th_failed;

static void
ok(int cond, const char *what)
{
	th_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", th_n, what);
	if (!cond)
		th_failed++;
}

static int
done_testing(void)
{
	printf("1..%d\n", th_n);
	printf("# %d tests, %d passed, %d failed\n", th_n, th_n - th_failed, th_failed);
	return th_failed != 0;
}

#endif
