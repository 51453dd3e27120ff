/* ealloc.h: allocation that cannot fail (sbase ealloc): on failure each of
 * these prints "TOOL: out of memory ..." (err(3) names the tool) and exits 1.
 * A tool that must survive a failed allocation (a server answering 500)
 * calls malloc(3) itself. */
#ifndef CS_EALLOC_H
#define CS_EALLOC_H

#include <stdarg.h>
#include <stddef.h>

/* malloc, calloc, realloc, reallocarray and strdup that exit 1 instead of
 * returning NULL. A size of 0 allocates 1 byte, so the result is never NULL
 * (and erealloc(p, 0) never frees p). ecalloc and ereallocarray check n * size
 * for overflow. */
void *emalloc(size_t size);
void *ecalloc(size_t n, size_t size);
void *erealloc(void *p, size_t size);
void *ereallocarray(void *p, size_t n, size_t size);
char *estrdup(const char *s);

/* asprintf(3)/vasprintf(3) that return the string, or exit 1. */
char *easprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *evasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
