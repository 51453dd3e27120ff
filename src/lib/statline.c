/* statline.c: the stats lines of statline.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "statline.h"

const char *const statline_states[] = { "up", "stale", "down" };

/* The counting keys: cellsrv's counts, CPU seconds (the host's, cellsrv's,
 * the client's), the latency buckets. Kept sorted for bsearch. */
static const char *const delta_keys[] = {
	"acks", "c_cpu", "c_retx", "cpu", "dlv", "dt", "e5", "idl", "iow", "lat",
	"retx", "sent", "stl", "sys", "usr",
};

static int
cmpkey(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
statline_is_delta(const char *key)
{
	return bsearch(&key, delta_keys, sizeof delta_keys / sizeof delta_keys[0],
	    sizeof delta_keys[0], cmpkey) != NULL;
}

int
statline_skip(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
		;
	return i == len || line[i] == '#';
}

static int
is_sep(char c)
{
	return c == '\t' || c == ' ' || c == '\r';
}

int
statline_parse(struct statline *sl, const char *line, size_t len, const char **why)
{
	char *p, *e, *f[3], *end;
	int i;

	if (len > STATLINE_MAX) {
		*why = "line too long";
		return -1;
	}
	memcpy(sl->buf, line, len);
	sl->buf[len] = '\0';
	p = sl->buf;
	e = sl->buf + len;
	sl->nkv = 0;
	for (i = 0; ; i++) {
		char *tok;

		while (p < e && is_sep(*p))
			p++;
		if (p == e)
			break;
		tok = p;
		while (p < e && !is_sep(*p))
			p++;
		*p = '\0';
		if (p < e)
			p++;
		if (i < 3) {
			f[i] = tok;
			continue;
		}
		if (sl->nkv == STATLINE_KEYS) {
			*why = "too many fields";
			return -1;
		}
		end = strchr(tok, '=');
		if (end == NULL || end == tok || end[1] == '\0') {
			*why = "a field is not key=value";
			return -1;
		}
		*end = '\0';
		sl->key[sl->nkv] = tok;
		sl->val[sl->nkv++] = end + 1;
	}
	if (i < 3) {
		*why = "fewer than 3 fields (ts host state)";
		return -1;
	}
	sl->ts = strtod(f[0], &end);
	if (*end != '\0' || !(sl->ts >= 0) || isinf(sl->ts)) {
		*why = "ts is not a time";
		return -1;
	}
	if (strlen(f[1]) >= sizeof sl->host) {
		*why = "host name too long";
		return -1;
	}
	strcpy(sl->host, f[1]);
	for (i = 0; i < 3 && strcmp(f[2], statline_states[i]) != 0; i++)
		;
	if (i == 3) {
		*why = "state is not up, stale or down";
		return -1;
	}
	sl->state = i;
	return 0;
}

const char *
statline_get(const struct statline *sl, const char *key)
{
	int i;

	for (i = 0; i < sl->nkv; i++)
		if (strcmp(sl->key[i], key) == 0)
			return sl->val[i];
	return NULL;
}

double
statline_num(const struct statline *sl, const char *key, double dflt)
{
	const char *v = statline_get(sl, key);
	char *end;
	double d;

	if (v == NULL)
		return dflt;
	d = strtod(v, &end);
	return *end == '\0' && !isnan(d) ? d : dflt;
}

/* v joined into list (comma-separated) unless it is there. */
static void
join(char *list, size_t size, const char *v)
{
	size_t n = strlen(v), o = strlen(list);
	const char *p = list;

	while ((p = strstr(p, v)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return;
		p += n;
	}
	snprintf(list + o, size - o, "%s%s", o ? "," : "", v);
}

int
statline_merge(struct statline *a, const struct statline *b)
{
	char out[STATLINE_MAX + 1], tmp[STATLINE_MAX + 1];
	struct statline m;
	const char *why;
	size_t o;
	int i, n;

	n = snprintf(out, sizeof out, "%.3f\t%s\t%s", b->ts, a->host,
	    statline_states[a->state > b->state ? a->state : b->state]);
	o = (size_t)n;
	for (i = 0; i < a->nkv + b->nkv; i++) {
		const char *k = i < a->nkv ? a->key[i] : b->key[i - a->nkv];
		const char *va = statline_get(a, k), *vb = statline_get(b, k), *v;

		if (i >= a->nkv && va != NULL)
			continue;               /* done with a's keys */
		v = vb ? vb : va;
		if (va && vb && strcmp(k, "lat") == 0) {
			struct hist h;
			hist_clear(&h);
			if (hist_parse_add(&h, va, strlen(va)) || hist_parse_add(&h, vb, strlen(vb)) ||
			    hist_format(&h, tmp, sizeof tmp) < 0)
				return -1;
			v = tmp;
		} else if (va && vb && strcmp(k, "restart") == 0) {
			snprintf(tmp, sizeof tmp, "%s", va);
			join(tmp, sizeof tmp, vb);
			v = tmp;
		} else if (va && vb && statline_is_delta(k)) {
			char *e1, *e2;
			double x = strtod(va, &e1), y = strtod(vb, &e2);
			if (*e1 || *e2)
				return -1;
			snprintf(tmp, sizeof tmp, "%.15g", x + y);
			v = tmp;
		}
		n = snprintf(out + o, sizeof out - o, "\t%s=%s", k, v);
		if (n < 0 || (size_t)n >= sizeof out - o)
			return -1;
		o += (size_t)n;
	}
	if (statline_parse(&m, out, o, &why) != 0)
		return -1;
	statline_copy(a, &m);
	return 0;
}

void
statline_copy(struct statline *dst, const struct statline *src)
{
	int i;

	*dst = *src;
	for (i = 0; i < src->nkv; i++) {
		dst->key[i] = dst->buf + (src->key[i] - src->buf);
		dst->val[i] = dst->buf + (src->val[i] - src->buf);
	}
}

int
statline_format(const struct statline *sl, char *out, size_t size)
{
	size_t o;
	int n, i;

	n = snprintf(out, size, "%.3f\t%s\t%s", sl->ts, sl->host, statline_states[sl->state]);
	if (n < 0 || (size_t)n >= size)
		return -1;
	o = (size_t)n;
	for (i = 0; i < sl->nkv; i++) {
		n = snprintf(out + o, size - o, "\t%s=%s", sl->key[i], sl->val[i]);
		if (n < 0 || (size_t)n >= size - o)
			return -1;
		o += (size_t)n;
	}
	return (int)o;
}
