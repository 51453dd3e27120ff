/* pct.c: percent-encoding and decoding without allocation. */
#include "pct.h"

static const char hex[] = "0123456789ABCDEF";

static int
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
pct_encode(char *dst, const char *src, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (unreserved(c)) {
			dst[n++] = (char)c;
		} else {
			dst[n++] = '%';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 15];
		}
	}
	return n;
}

long
pct_decode(char *dst, const char *src, size_t len, int plus)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= len)
				return -1;
			h = hexval((unsigned char)src[i + 1]);
			l = hexval((unsigned char)src[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return -1;
			dst[n++] = (char)(h << 4 | l);
			i += 2;
		} else if (c == '+' && plus) {
			dst[n++] = ' ';
		} else if (c == '\0') {
			return -1;
		} else {
			dst[n++] = (char)c;
		}
	}
	return (long)n;
}
