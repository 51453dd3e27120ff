/* promtext.c: the Prometheus text format reader of promtext.h. */
#include <stdlib.h>
#include <string.h>

#include "promtext.h"

static int
name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static int
name_char(int c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* The label text from p (just after '{') to its closing '}': label names,
 * '=', quoted values with escapes, ',' between. Returns a pointer to the
 * '}' or NULL when the text is malformed. */
static const char *
labels_end(const char *p, const char *e)
{
	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p < e && *p == '}')
			return p;
		if (p == e || !name_start((unsigned char)*p))
			return NULL;
		while (p < e && name_char((unsigned char)*p))
			p++;
		if (p == e || *p++ != '=' || p == e || *p++ != '"')
			return NULL;
		while (p < e && *p != '"') {
			if (*p == '\\') {
				if (++p == e || (*p != '\\' && *p != '"' && *p != 'n'))
					return NULL;
			}
			p++;
		}
		if (p++ == e)
			return NULL;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p < e && *p == ',')
			p++;
		else if (p == e || *p != '}')
			return NULL;
	}
}

/* One sample line [p, e): 0 and *s filled, or -1. */
static int
parse_line(const char *p, const char *e, struct prom_sample *s)
{
	char num[64], *end;
	const char *v;
	size_t n;

	s->name = p;
	while (p < e && name_char((unsigned char)*p))
		p++;
	s->nlen = (size_t)(p - s->name);
	s->labels = "";
	s->llen = 0;
	if (p < e && *p == '{') {
		const char *c = labels_end(p + 1, e);
		if (c == NULL)
			return -1;
		s->labels = p + 1;
		s->llen = (size_t)(c - s->labels);
		p = c + 1;
	}
	if (p == e || (*p != ' ' && *p != '\t'))
		return -1;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	for (v = p; p < e && *p != ' ' && *p != '\t'; p++)
		;
	n = (size_t)(p - v);
	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, v, n);
	num[n] = '\0';
	s->value = strtod(num, &end);
	if (*end != '\0')
		return -1;
	/* An optional timestamp (ms), then nothing. */
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p < e && *p == '-')
		p++;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p == e ? 0 : -1;
}

unsigned long
prom_parse(const char *text, size_t len, prom_fn *fn, void *arg)
{
	const char *p = text, *e = text + len;
	unsigned long lineno = 0;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p)), *le = nl ? nl : e;
		struct prom_sample s;

		lineno++;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (p < le && *p != '#' && !(le - p == 1 && *p == '\r')) {
			if (!name_start((unsigned char)*p) || parse_line(p, le, &s) != 0)
				return lineno;
			fn(arg, &s);
		}
		p = nl ? nl + 1 : e;
	}
	return 0;
}

int
prom_label(const struct prom_sample *s, const char *key, char *buf, size_t size)
{
	const char *p = s->labels, *e = s->labels + s->llen;
	size_t klen = strlen(key);

	while (p < e) {
		const char *k;
		size_t o = 0;
		int match;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		for (k = p; p < e && *p != '='; p++)
			;
		match = (size_t)(p - k) == klen && memcmp(k, key, klen) == 0;
		p += 2;                                 /* =" */
		for (; p < e && *p != '"'; p++) {
			char c = *p;
			if (c == '\\' && p + 1 < e) {
				c = *++p;
				if (c == 'n')
					c = '\n';
			}
			if (match && o + 1 < size)
				buf[o++] = c;
		}
		if (match) {
			if (size > 0)
				buf[o] = '\0';
			return 0;
		}
		p++;                                    /* closing quote */
		while (p < e && (*p == ',' || *p == ' ' || *p == '\t'))
			p++;
	}
	return -1;
}

int
prom_is(const struct prom_sample *s, const char *name)
{
	size_t n = strlen(name);

	return s->nlen == n && memcmp(s->name, name, n) == 0;
}
