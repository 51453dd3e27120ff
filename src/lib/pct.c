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

/* The encoder: inline, so pct_encode's loop (cellsrv's hot path) is compiled
 * without the plus test. */
static inline size_t
encode(char *dst, const char *src, size_t len, int plus)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (unreserved(c)) {
			dst[n++] = (char)c;
		} else if (c == ' ' && plus) {
			dst[n++] = '+';
		} else {
			dst[n++] = '%';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 15];
		}
	}
	return n;
}

size_t
pct_encode(char *dst, const char *src, size_t len)
{
	return encode(dst, src, len, 0);
}

void
pct_fencode(FILE *fp, const char *src, size_t len, int plus)
{
	char buf[3 * 256];
	size_t n;

	for (; len > 0; src += n, len -= n) {
		n = len < 256 ? len : 256;
		fwrite(buf, 1, encode(buf, src, n, plus), fp);
	}
}

/* The decoder; strict: -1 for a malformed escape, %00 or a NUL byte. */
static inline long
decode(char *dst, const char *src, size_t len, int plus, int strict)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c == '%') {
			int h = -1, l = -1;
			if (i + 2 < len) {
				h = hexval((unsigned char)src[i + 1]);
				l = hexval((unsigned char)src[i + 2]);
			}
			if (h < 0 || l < 0 || (strict && h == 0 && l == 0)) {
				if (strict)
					return -1;
				dst[n++] = (char)c;
				continue;
			}
			dst[n++] = (char)(h << 4 | l);
			i += 2;
		} else if (c == '+' && plus) {
			dst[n++] = ' ';
		} else if (c == '\0' && strict) {
			return -1;
		} else {
			dst[n++] = (char)c;
		}
	}
	return (long)n;
}

long
pct_decode(char *dst, const char *src, size_t len, int plus)
{
	return decode(dst, src, len, plus, 1);
}

size_t
pct_decode_lax(char *dst, const char *src, size_t len)
{
	return (size_t)decode(dst, src, len, 0, 0);
}
