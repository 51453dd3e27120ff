/* num.c: decimal numbers: strtonum-style parsing with explicit bounds, and
 * the fast formatting of cs_utoa. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

long long
cs_strtonum(const char *s, long long min, long long max, const char **errstr)
{
	char *end;
	long long v;

	*errstr = NULL;
	if (min > max || s == NULL || *s == '\0' ||
	    !((*s >= '0' && *s <= '9') || *s == '-')) {
		*errstr = "invalid";
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0') {
		*errstr = "invalid";
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "too small";
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "too large";
		return 0;
	}
	return v;
}

long long
cs_strntonum(const char *s, size_t len, long long min, long long max, const char **errstr)
{
	unsigned long long v = 0;
	size_t i;

	*errstr = NULL;
	if (len == 0) {
		*errstr = "invalid";
		return 0;
	}
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9) {
			*errstr = "invalid";
			return 0;
		}
		if (v > ULLONG_MAX / 10 || (v == ULLONG_MAX / 10 && d > ULLONG_MAX % 10)) {
			*errstr = "too large";
			return 0;
		}
		v = v * 10 + d;
	}
	if (max >= 0 && v > (unsigned long long)max) {
		*errstr = "too large";
		return 0;
	}
	if (min > 0 && v < (unsigned long long)min) {
		*errstr = "too small";
		return 0;
	}
	return (long long)v;
}

long long
cs_fieldnum(const char **sp, const char *e, int delim, long long min, long long max,
    const char **errstr)
{
	const char *s = *sp, *d = memchr(s, delim, (size_t)(e - s));

	if (d == NULL)
		d = e;
	*sp = d;
	return cs_strntonum(s, (size_t)(d - s), min, max, errstr);
}

char *
cs_utoa(char *p, unsigned long long v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	unsigned long long t = 10;
	char *end, *q;
	int n = 1;

	/* Count the digits, then write them from the end two at a time. */
	while (n < 20 && v >= t) {
		n++;
		if (n < 20)
			t *= 10;
	}
	end = q = p + n;
	while (v >= 100) {
		q -= 2;
		memcpy(q, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, pairs + 2 * v, 2);
	} else
		*--q = (char)('0' + v);
	return end;
}
