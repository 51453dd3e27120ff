/* promtext.h: a reader of the Prometheus text exposition format (version
 * 0.0.4), what cellsrv's and msgclient's /metrics serve and stat-collect
 * scrapes: sample lines `name{label="value",...} value [timestamp]`,
 * `# HELP` and `# TYPE` comments. No allocation: the caller gets pointers
 * into its own buffer. */
#ifndef CS_PROMTEXT_H
#define CS_PROMTEXT_H

#include <stddef.h>

/* One sample: the metric name and the label text between the braces
 * (without them; "" when there are none), both not NUL-terminated. */
struct prom_sample {
	const char *name;
	size_t      nlen;
	const char *labels;
	size_t      llen;
	double      value;      /* NaN, +Inf and -Inf as Prometheus spells them */
};

typedef void prom_fn(void *arg, const struct prom_sample *s);

/* Call fn for every sample of text[0..len), in order. Comments and blank
 * lines are skipped; a final line without '\n' counts. Returns 0, or the
 * number of the first malformed line (fn has then been called for the
 * samples before it). O(len). */
unsigned long prom_parse(const char *text, size_t len, prom_fn *fn, void *arg);

/* The value of label key in a sample's label text, unescaped (\\, \", \n)
 * into buf (NUL-terminated, cut to size-1 bytes). Returns 0 when found, -1
 * when not. */
int prom_label(const struct prom_sample *s, const char *key, char *buf, size_t size);

/* 1 when the sample's name is exactly name. */
int prom_is(const struct prom_sample *s, const char *name);

#endif
