/* lines.h: a line reader that knows its input's name and line number, so every
 * complaint about input can say "tool: FILE:LINE: what". Built on getline(3). */
#ifndef CS_LINES_H
#define CS_LINES_H

#include <stdio.h>
#include <sys/types.h>

struct lines {
	FILE          *fp;
	const char    *name;    /* "<stdin>" or the path, for messages */
	unsigned long  lineno;  /* number of the line last returned */
	size_t         max;     /* longest line accepted, without its newline */
	char          *buf;
	size_t         cap;
	/* block mode (lines_init_block): unread input is buf[pos .. len) */
	int            block;
	int            eof;
	size_t         pos, len;
	size_t         nul;     /* offset in buf of the first NUL read, or SIZE_MAX */
};

/* Start reading fp; max = 0 means 4096 bytes. */
void lines_init(struct lines *l, FILE *fp, const char *name, size_t max);

/* Like lines_init, but read fp in large blocks with fread(3) instead of one
 * getline(3) per line: several times faster on millions of short lines
 * (redis-bulkload, rg-split). The caller must not read fp by other means, and
 * the line returned is valid until the next call. A line longer than max is
 * refused as soon as max bytes are seen, without reading the rest of it. */
void lines_init_block(struct lines *l, FILE *fp, const char *name, size_t max);

/* Next line without its '\n' (a final line without '\n' counts too). Returns
 * its length and sets *line, or -1 at end of input. Exits 1 with a message on
 * a read error, a line longer than max or a NUL byte in the line. */
ssize_t lines_next(struct lines *l, char **line);

/* Print "tool: NAME:LINE: message" and exit 1. */
void lines_die(const struct lines *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

void lines_free(struct lines *l);

#endif
