/* fshut.h: closing output for real (sbase fshut): a full disk must fail the tool. */
#ifndef CS_FSHUT_H
#define CS_FSHUT_H

#include <stdio.h>

/* Flush and close fp; on any write error exit 1 naming `name`. */
void fshut(FILE *fp, const char *name);

#endif
