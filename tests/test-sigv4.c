/* test-sigv4.c: checks src/lib/sigv4 against AWS's SigV4 test suite. Each
 * argument is a NAME.req file; the canonical request, string to sign and
 * Authorization header must equal NAME.creq, NAME.sts and NAME.authz. The
 * suite signs with the documented example key AKIDEXAMPLE, region us-east-1
 * and service "service"; the date is the request's X-Amz-Date. TAP output.
 * Two cases of the suite (post-x-www-form-urlencoded*) list Content-Length
 * in their .creq but computed .sts/.authz without it (see their .sreq): so
 * the string to sign and the signature are computed over exactly the headers
 * that the .authz names in SignedHeaders; the .creq check uses every header.
 * One more inconsistency: post-x-www-form-urlencoded-parameters' .sts was
 * computed with "charset=utf8" although its .req and .creq say "utf-8"
 * (sha256 of its .creq with that one change gives the published hash), so
 * its sts/authz checks carry a TAP TODO naming that reason. */
#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sigv4.h"

static int n, failed, todofailed;

static const char *todo_case = "post-x-www-form-urlencoded-parameters.req";

static void
ok(int cond, const char *what, const char *name)
{
	int todo = strcmp(name, todo_case) == 0 && strcmp(what, "creq") != 0;

	n++;
	printf("%sok %d - %s %s%s\n", cond ? "" : "not ", n, name, what, todo ?
	    " # TODO suite's .sts was computed with charset=utf8, not its utf-8" : "");
	if (!cond && !todo)
		failed++;
	if (!cond && todo)
		todofailed++;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp;
	char *s = NULL;
	size_t cap = 0, l;

	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	l = 0;
	for (;;) {
		if (l + 4096 + 1 > cap && (s = realloc(s, cap = cap * 2 + 8192)) == NULL)
			err(1, "realloc");
		size_t r = fread(s + l, 1, 4096, fp);
		l += r;
		if (r == 0)
			break;
	}
	if (ferror(fp))
		err(1, "%s", path);
	fclose(fp);
	s[l] = '\0';
	if (len)
		*len = l;
	return s;
}

/* Replace the ".req" ending of path with ext. */
static char *
sibling(const char *path, const char *ext)
{
	size_t l = strlen(path) - 4;
	char *s = malloc(l + strlen(ext) + 1);

	if (s == NULL)
		err(1, "malloc");
	memcpy(s, path, l);
	strcpy(s + l, ext);
	return s;
}

static void
check(const char *path)
{
	struct sigv4_hdr hdr[32];
	struct sigv4_key k = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	    "us-east-1", "service", NULL };
	struct sigv4_req r;
	struct sigv4_out o, o2;
	size_t len, nh = 0;
	char *req = slurp(path, &len), *line, *next, *sp, *body = NULL;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *exts[3] = { ".creq", ".sts", ".authz" };
	char *want[3], *got[3];
	int i;

	memset(&r, 0, sizeof r);
	/* Request line: METHOD URI HTTP/1.1, the URI may hold spaces. */
	next = strchr(req, '\n');
	if (next)
		*next++ = '\0';
	line = req;
	sp = strchr(line, ' ');
	*sp = '\0';
	r.method = line;
	*strrchr(sp + 1, ' ') = '\0';
	r.path = sp + 1;
	r.query = "";
	if ((sp = strchr(sp + 1, '?')) != NULL) {
		*sp = '\0';
		r.query = sp + 1;
	}
	/* Headers up to a blank line; an indented line continues the last
	 * header's value (obs-fold), which is signed like a repeated header. */
	while ((line = next) != NULL) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '\0') {
			body = next;
			break;
		}
		if ((*line == ' ' || *line == '\t') && nh > 0) {
			hdr[nh].name = hdr[nh - 1].name;
			hdr[nh++].value = line;
			continue;
		}
		if ((sp = strchr(line, ':')) == NULL || nh == 32)
			errx(1, "%s: bad header line", path);
		*sp = '\0';
		hdr[nh].name = line;
		hdr[nh++].value = sp + 1;
		if (strcasecmp(line, "x-amz-date") == 0)
			k.amzdate = sp + 1;
	}
	r.hdr = hdr;
	r.nhdr = nh;
	r.body = body;
	r.len = body ? len - (size_t)(body - req) : 0;
	for (i = 0; i < 3; i++) {
		char *p = sibling(path, exts[i]);
		want[i] = slurp(p, NULL);
		free(p);
	}
	if (sigv4_sign(&r, &k, &o) != 0)
		errx(1, "%s: bad x-amz-date", path);
	got[0] = o.creq;
	/* Headers named in the expected SignedHeaders only, for sts/authz. */
	if ((sp = strstr(want[2], "SignedHeaders=")) != NULL) {
		char list[1024], *comma;
		size_t j, m = 0;
		snprintf(list, sizeof list, ";%s", sp + 14);
		if ((comma = strchr(list, ',')) != NULL)
			*comma = '\0';
		strcat(list, ";");
		for (j = 0; j < nh; j++) {
			char needle[256];
			size_t c;
			snprintf(needle, sizeof needle, ";%s;", hdr[j].name);
			for (c = 0; needle[c] != '\0'; c++)
				needle[c] = (char)tolower((unsigned char)needle[c]);
			if (strstr(list, needle) != NULL)
				hdr[m++] = hdr[j];
		}
		if (m != nh)
			printf("# %s: signing %zu of %zu headers, as its .authz does\n", name, m, nh);
		r.nhdr = m;
	}
	if (sigv4_sign(&r, &k, &o2) != 0)
		errx(1, "%s: bad x-amz-date", path);
	got[1] = o2.sts;
	got[2] = o2.authz;
	for (i = 0; i < 3; i++) {
		ok(strcmp(got[i], want[i]) == 0, exts[i] + 1, name);
		if (strcmp(got[i], want[i]) != 0)
			printf("# got:\n%s\n# want:\n%s\n", got[i], want[i]);
		free(want[i]);
	}
	sigv4_out_free(&o);
	sigv4_out_free(&o2);
	free(req);
}

int
main(int argc, char *argv[])
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: test-sigv4 case.req ...\n");
		return 2;
	}
	printf("1..%d\n", (argc - 1) * 3);
	for (i = 1; i < argc; i++)
		check(argv[i]);
	printf("# %d tests, %d passed, %d failed, %d known suite errors (TODO)\n",
	    n, n - failed - todofailed, failed, todofailed);
	return failed != 0;
}
