/* ealloc.c: the allocation functions of ealloc.h, which exit 1 with
 * "TOOL: out of memory (N bytes)" instead of returning NULL. */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"

static void __attribute__((noreturn))
oom(size_t n, size_t size)
{
	if (n == 1)
		errx(1, "out of memory (%zu bytes)", size);
	errx(1, "out of memory (%zu x %zu bytes)", n, size);
}

void *
emalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		oom(1, size);
	return p;
}

void *
ecalloc(size_t n, size_t size)
{
	void *p = n == 0 || size == 0 ? calloc(1, 1) : calloc(n, size);

	if (p == NULL)
		oom(n, size);
	return p;
}

void *
erealloc(void *p, size_t size)
{
	if ((p = realloc(p, size ? size : 1)) == NULL)
		oom(1, size);
	return p;
}

void *
ereallocarray(void *p, size_t n, size_t size)
{
	if (n == 0 || size == 0)
		return erealloc(p, 1);
	if ((p = reallocarray(p, n, size)) == NULL)
		oom(n, size);
	return p;
}

char *
estrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		oom(1, strlen(s) + 1);
	return d;
}

char *
evasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		errx(1, "out of memory");
	return s;
}

char *
easprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = evasprintf(fmt, ap);
	va_end(ap);
	return s;
}
