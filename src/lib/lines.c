/* lines.c: getline-based line reader with line numbers and clear errors. */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
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
	l->block = 0;
	l->eof = 0;
	l->pos = l->len = 0;
	l->nul = SIZE_MAX;
}

#define LINES_BLOCK (256 << 10)

void
lines_init_block(struct lines *l, FILE *fp, const char *name, size_t max)
{
	lines_init(l, fp, name, max);
	l->block = 1;
	l->cap = LINES_BLOCK + l->max + 2;
	l->buf = emalloc(l->cap);
}

/* Block mode of lines_next: find the next '\n' in the buffer, refilling it
 * (after moving the unread tail to the front) when there is none. NUL bytes
 * are looked for once per block read (l->nul), not once per line. */
static ssize_t
lines_next_block(struct lines *l, char **line)
{
	char *start, *nl;
	size_t avail, n;

	for (;;) {
		start = l->buf + l->pos;
		avail = l->len - l->pos;
		if ((nl = memchr(start, '\n', avail)) != NULL) {
			n = (size_t)(nl - start);
			*nl = '\0';
			l->pos += n + 1;
			break;
		}
		if (avail > l->max) {
			l->lineno++;
			lines_die(l, "line longer than %zu bytes", l->max);
		}
		if (l->eof) {
			if (avail == 0)
				return -1;
			n = avail;
			start[n] = '\0';
			l->pos = l->len;
			break;
		}
		memmove(l->buf, start, avail);
		if (l->nul != SIZE_MAX)
			l->nul -= l->pos;       /* it is in the unread part */
		l->pos = 0;
		l->len = avail;
		n = fread(l->buf + l->len, 1, l->cap - 1 - l->len, l->fp);
		if (n == 0) {
			if (ferror(l->fp))
				err(1, "%s:%lu: read error", l->name, l->lineno + 1);
			l->eof = 1;
		}
		if (l->nul == SIZE_MAX && (nl = memchr(l->buf + l->len, '\0', n)) != NULL)
			l->nul = (size_t)(nl - l->buf);
		l->len += n;
	}
	l->lineno++;
	if (n > l->max)
		lines_die(l, "line longer than %zu bytes", l->max);
	/* Lines before the first NUL passed, so it is never before start. */
	if (l->nul < (size_t)(start - l->buf) + n)
		lines_die(l, "NUL byte in line");
	*line = start;
	return (ssize_t)n;
}

ssize_t
lines_next(struct lines *l, char **line)
{
	ssize_t n;

	if (l->block)
		return lines_next_block(l, line);
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
