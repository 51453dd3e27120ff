/* fshut.c: checked close of an output stream (see fshut.h). */
#include <err.h>
#include <stdio.h>

#include "fshut.h"

void
fshut(FILE *fp, const char *name)
{
	int bad = 0;

	if (fflush(fp) == EOF)
		bad = 1;
	if (ferror(fp))
		bad = 1;
	if (fclose(fp) == EOF)
		bad = 1;
	if (bad)
		err(1, "%s: write error", name);
}
