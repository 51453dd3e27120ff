/* lines.c: getline-based line reader with line numbers and clear errors. */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

void
lines_init(struct lines *l, FILE *fp, const char *name, size_t max)
{
	l->fp = fp;
	l->name = name;
	l->lineno = 0;
	l->max = max ? max : 4096;
	l->buf = NULL;
	l->cap = 0;
}

ssize_t
lines_next(struct lines *l, char **line)
{
	ssize_t n;

	errno = 0;
	n = getline(&l->buf, &l->cap, l->fp);
	if (n < 0) {
		if (ferror(l->fp))
			err(1, "%s:%lu: read error", l->name, l->lineno + 1);
		return -1;
	}
	l->lineno++;
	if (n > 0 && l->buf[n - 1] == '\n')
		l->buf[--n] = '\0';
	if ((size_t)n > l->max)
		lines_die(l, "line longer than %zu bytes", l->max);
	if (memchr(l->buf, '\0', (size_t)n) != NULL)
		lines_die(l, "NUL byte in line");
	*line = l->buf;
	return n;
}

void
lines_die(const struct lines *l, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	errx(1, "%s:%lu: %s", l->name, l->lineno, msg);
}

void
lines_free(struct lines *l)
{
	free(l->buf);
	l->buf = NULL;
	l->cap = 0;
}
