/* slo.c: thresholds a run must keep, SLO='p99<250ms lost=0', for a CI job:
 * latency percentiles from the whole run's merged buckets, the recording's
 * own figures (rate, hosts down, restarts, steal), and any field of
 * checkdb's summary line (lost, duplicated, ...). */
#include <err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "human.h"
#include "report.h"

/* Fields of the summary line (cs-results summary) a threshold may name. */
static const char *const summary_keys[] = {
	"hosts", "ok", "users", "relations", "expected", "sent", "acked", "received", "lost",
	"duplicated", "disordered", "corrupt", "incomplete", "outbox_bad", "parked", "failed", NULL
};

struct term {
	char   name[32];
	char   op[3];
	double want;              /* in seconds for a latency */
	char   text[64];          /* as written */
};

static int
holds(double v, const char *op, double w)
{
	if (strcmp(op, "<") == 0)  return v < w;
	if (strcmp(op, "<=") == 0) return v <= w;
	if (strcmp(op, ">") == 0)  return v > w;
	if (strcmp(op, ">=") == 0) return v >= w;
	if (strcmp(op, "!=") == 0) return v != w;
	return v == w;                                  /* = and == */
}

static int
is_latency(const char *name, double *q)
{
	char *end;

	if (strcmp(name, "max") == 0) {
		*q = 1;
		return 1;
	}
	if (name[0] != 'p' || name[1] < '0' || name[1] > '9')
		return 0;
	*q = strtod(name + 1, &end);
	if (*end != '\0' || *q <= 0 || *q >= 100)
		return 0;
	if (strcmp(name, "p999") == 0)
		*q = 99.9;
	*q /= 100;
	return 1;
}

/* Parse one term; exits 2 naming it when malformed. */
static void
parse_term(const char *s, struct term *t)
{
	const char *p = s, *op;
	char *end;
	double q, scale = 1;
	size_t n;

	snprintf(t->text, sizeof t->text, "%s", s);
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.')
		p++;
	n = (size_t)(p - s);
	op = p;
	while (*p == '<' || *p == '>' || *p == '=' || *p == '!')
		p++;
	if (n == 0 || n >= sizeof t->name || p == op || p - op > 2) {
		warnx("SLO: \"%s\": want NAME OP VALUE, e.g. p99<250ms or lost=0", s);
		exit(2);
	}
	memcpy(t->name, s, n);
	t->name[n] = '\0';
	memcpy(t->op, op, (size_t)(p - op));
	t->op[p - op] = '\0';
	if (strcmp(t->op, "=<") == 0 || strcmp(t->op, "=>") == 0 || strcmp(t->op, "<>") == 0 ||
	    strcmp(t->op, "!") == 0 || strcmp(t->op, "><") == 0) {
		warnx("SLO: \"%s\": the operator must be <, <=, >, >=, = or !=", s);
		exit(2);
	}
	t->want = strtod(p, &end);
	if (end == p) {
		warnx("SLO: \"%s\": no number after %s", s, t->op);
		exit(2);
	}
	if (is_latency(t->name, &q)) {
		if (strcmp(end, "s") == 0) scale = 1;
		else if (strcmp(end, "ms") == 0) scale = 1e-3;
		else if (strcmp(end, "us") == 0) scale = 1e-6;
		else {
			warnx("SLO: \"%s\": a latency needs a unit: s, ms or us", s);
			exit(2);
		}
		t->want *= scale;
	} else if (*end != '\0' && !(strcmp(end, "%") == 0 && strcmp(t->name, "steal") == 0) &&
	    !(strcmp(end, "/s") == 0 && strcmp(t->name, "rate") == 0)) {
		warnx("SLO: \"%s\": \"%s\" after the number", s, end);
		exit(2);
	}
}

/* The value of key in the first line of the summary file; -1 when the file
 * or the key is missing. */
static int
summary_value(const char *path, const char *key, double *v)
{
	char line[4096], *p;
	size_t n = strlen(key);
	FILE *fp;

	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(line, sizeof line, fp);
	fclose(fp);
	for (; p != NULL && *p; p += strcspn(p, " \t\n"), p += strspn(p, " \t\n"))
		if (strncmp(p, key, n) == 0 && p[n] == '=') {
			*v = strtod(p + n + 1, NULL);
			return 0;
		}
	return -1;
}

int
slo_check(const struct run *r, const char *slo, const char *summary, FILE *md)
{
	char *s = estrdup(slo), *tok, *save = NULL, what[160], a[16], b[16], c[16];
	char broken[512] = "";
	int nterm = 0, nbroken = 0;

	if (md)
		fprintf(md, "\n## Thresholds\n\n`SLO='%s'`\n\n| threshold | measured | holds |\n|---|---|---|\n", slo);
	for (tok = strtok_r(s, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		struct term t;
		double v = NAN, q;
		int known = 1, ok, k;

		parse_term(tok, &t);
		nterm++;
		if (is_latency(t.name, &q)) {
			if (r == NULL || hist_count(&r->all) == 0) {
				snprintf(what, sizeof what, "no latency recorded%s", r ? "" : " (no stats file)");
				known = 0;
			} else {
				struct pctl p = hist_pctl(&r->all, q);
				v = q >= 1 ? p.hi : p.value;
				if (q >= 1)
					snprintf(what, sizeof what, "max at most %s (bucket %s to %s)",
					    human_latency(p.hi, a, sizeof a), human_latency(p.lo, b, sizeof b),
					    human_latency(p.hi, c, sizeof c));
				else if (isinf(p.hi))
					snprintf(what, sizeof what, "%s over %s (the last bucket)", t.name,
					    human_latency(p.lo, a, sizeof a));
				else
					snprintf(what, sizeof what, "%s %s (exact value between %s and %s)", t.name,
					    human_latency(p.value, a, sizeof a), human_latency(p.lo, b, sizeof b),
					    human_latency(p.hi, c, sizeof c));
			}
		} else if (strcmp(t.name, "rate") == 0 || strcmp(t.name, "down") == 0 ||
		    strcmp(t.name, "restarts") == 0 || strcmp(t.name, "steal") == 0) {
			if (r == NULL) {
				snprintf(what, sizeof what, "no stats file");
				known = 0;
			} else {
				size_t h;
				double sum = 0;
				for (h = 0, v = 0; h < r->nhosts; h++) {
					if (strcmp(t.name, "rate") == 0)
						sum += r->acks[h];
					else if (strcmp(t.name, "down") == 0)
						v += r->down_s[h] > 0;
					else if (strcmp(t.name, "restarts") == 0)
						v += r->restarts[h];
					else if (r->steal_max[h] > v)
						v = r->steal_max[h];
				}
				if (strcmp(t.name, "rate") == 0)
					v = r->t1 > r->t0 ? sum / (r->t1 - r->t0) : 0;
				snprintf(what, sizeof what, "%s %.6g%s", t.name, v,
				    strcmp(t.name, "rate") == 0 ? " msgs/s" : strcmp(t.name, "steal") == 0 ?
				    "% (the worst tick of a host)" : strcmp(t.name, "down") == 0 ? " hosts" : "");
			}
		} else if (summary_value(summary, t.name, &v) == 0) {
			snprintf(what, sizeof what, "%s %.15g", t.name, v);
		} else {
			for (k = 0; summary_keys[k] && strcmp(summary_keys[k], t.name) != 0; k++)
				;
			if (summary_keys[k] == NULL) {
				warnx("SLO: \"%s\": unknown name %s (p50..p99.9, max, rate, down, restarts, "
				    "steal, or a field of checkdb's summary such as lost)", tok, t.name);
				exit(2);
			}
			snprintf(what, sizeof what, "no %s in %s", t.name, summary ? summary : "(no summary)");
			known = 0;
		}
		ok = known && holds(v, t.op, t.want);
		fprintf(stderr, "[slo] %s: %s (%s)\n", t.text, ok ? "ok" : known ? "BROKEN" : "cannot tell", what);
		if (md)
			fprintf(md, "| `%s` | %s | %s |\n", t.text, what, ok ? "yes" : known ? "**NO**" : "unknown");
		if (!ok) {
			size_t o = strlen(broken);
			snprintf(broken + o, sizeof broken - o, "%s%s", o ? ", " : "", t.text);
			nbroken++;
		}
	}
	if (nbroken)
		fprintf(stderr, "[slo] %d of %d thresholds not kept: %s\n", nbroken, nterm, broken);
	free(s);
	return nbroken ? 1 : 0;
}
