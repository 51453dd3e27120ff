/* hostlist.c: the host-name folding of hostlist.h. */
#include <stdio.h>
#include <string.h>

#include "hostlist.h"

/* Split name into its prefix length and the number of its trailing digits
 * (*num, *width); width 0 when it ends in no digit. */
static size_t
split(const char *name, long long *num, size_t *width)
{
	size_t n = strlen(name), p = n;

	while (p > 0 && name[p - 1] >= '0' && name[p - 1] <= '9' && n - p < 15)
		p--;
	*width = n - p;
	*num = 0;
	for (size_t i = p; i < n; i++)
		*num = *num * 10 + (name[i] - '0');
	return p;
}

static void
put(char *buf, size_t size, size_t *o, const char *fmt, const char *s, long long a, int w)
{
	int k;

	if (*o >= size)
		return;
	k = snprintf(buf + *o, size - *o, fmt, s, w, a);
	*o += k > 0 ? (size_t)k : 0;
}

char *
hostlist_fold(const char *const *names, size_t n, char *buf, size_t size)
{
	size_t i = 0, o = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	while (i < n) {
		long long a, b, x;
		size_t w, wx, pl = split(names[i], &a, &w), j = i + 1, groups = 0;
		char prefix[64];

		snprintf(prefix, sizeof prefix, "%.*s", (int)pl, names[i]);
		if (o > 0)
			put(buf, size, &o, "%s", ",", 0, 0);
		/* names with this prefix and width that follow, as ranges */
		while (j < n && split(names[j], &x, &wx) == pl && wx == w && w > 0 &&
		    strncmp(names[j], prefix, pl) == 0)
			j++;
		if (j == i + 1) {
			put(buf, size, &o, "%s", names[i], 0, 0);
			i++;
			continue;
		}
		put(buf, size, &o, "%s[", prefix, 0, 0);
		while (i < j) {
			split(names[i], &a, &w);
			b = a;
			while (i + 1 < j && (split(names[i + 1], &x, &wx), x == b + 1)) {
				b = x;
				i++;
			}
			if (groups++)
				put(buf, size, &o, "%s", ",", 0, 0);
			put(buf, size, &o, "%s%0*lld", "", a, (int)w);
			if (b != a)
				put(buf, size, &o, "%s%0*lld", "-", b, (int)w);
			i++;
		}
		put(buf, size, &o, "%s", "]", 0, 0);
	}
	if (o >= size && size > 3)
		strcpy(buf + size - 3, "..");
	return buf;
}
