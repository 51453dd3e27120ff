/* sigv4.c: AWS Signature Version 4. Builds the canonical request, the string
 * to sign and the Authorization header with OpenSSL's SHA-256 and HMAC.
 * Strings are built with open_memstream; allocation failure exits 1. */
#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "ealloc.h"
#include "pct.h"
#include "sigv4.h"

struct sbuf {
	FILE   *fp;
	char   *s;
	size_t  n;
};

static void
sb_open(struct sbuf *b)
{
	b->s = NULL;
	b->n = 0;
	if ((b->fp = open_memstream(&b->s, &b->n)) == NULL)
		err(1, "open_memstream");
}

static char *
sb_close(struct sbuf *b)
{
	if (ferror(b->fp) || fclose(b->fp) == EOF)
		errx(1, "out of memory");
	return b->s;
}

void
sigv4_sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	int i;

	SHA256(p, n, md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Path: drop empty and "." segments, ".." pops one; each segment encoded. */
static void
canon_path(FILE *fp, const char *path)
{
	const char *seg[256], *p = path;
	size_t len[256], nseg = 0, i;
	size_t plen = strlen(path);

	while (*p != '\0') {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 0 || (l == 1 && p[0] == '.'))
			;
		else if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg > 0)
				nseg--;
		} else if (nseg < sizeof seg / sizeof seg[0]) {
			seg[nseg] = p;
			len[nseg++] = l;
		} else
			errx(1, "sigv4: path has too many segments");
		p += l;
		if (*p == '/')
			p++;
	}
	for (i = 0; i < nseg; i++) {
		putc('/', fp);
		pct_fencode(fp, seg[i], len[i], 0);
	}
	if (nseg == 0 || (plen > 0 && path[plen - 1] == '/'))
		putc('/', fp);
}

/* Percent-decode s[0..n) and encode it again: idempotent for encoded input. */
static char *
reencode(const char *s, size_t n)
{
	char *raw = emalloc(n), *enc;
	size_t m = pct_decode_lax(raw, s, n);

	enc = emalloc(3 * m + 1);
	enc[pct_encode(enc, raw, m)] = '\0';
	free(raw);
	return enc;
}

struct pair {
	char *k, *v;
};

static int
paircmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

static void
canon_query(FILE *fp, const char *q)
{
	struct pair *pv = NULL;
	size_t np = 0, i;
	const char *p = q;

	while (p != NULL && *p != '\0') {
		const char *amp = strchr(p, '&');
		size_t l = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', l);
		if (l > 0) {
			pv = ereallocarray(pv, np + 1, sizeof *pv);
			pv[np].k = reencode(p, eq ? (size_t)(eq - p) : l);
			pv[np].v = eq ? reencode(eq + 1, l - (size_t)(eq - p) - 1) : reencode("", 0);
			np++;
		}
		p = amp ? amp + 1 : NULL;
	}
	if (np > 1)
		qsort(pv, np, sizeof *pv, paircmp);
	for (i = 0; i < np; i++) {
		fprintf(fp, "%s%s=%s", i ? "&" : "", pv[i].k, pv[i].v);
		free(pv[i].k);
		free(pv[i].v);
	}
	free(pv);
}

struct hdr {
	char   *name;               /* lower case */
	size_t  idx;                /* original position, for a stable sort */
	const char *value;
};

static int
hdrcmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Value trimmed, runs of blanks squeezed to one space. */
static void
canon_value(FILE *fp, const char *v)
{
	int space = 0, started = 0;

	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
			space = started;
			continue;
		}
		if (space)
			putc(' ', fp);
		space = 0;
		started = 1;
		putc(*v, fp);
	}
}

/* Canonical headers into fp, signed header list into sh. */
static void
canon_headers(FILE *fp, FILE *sh, const struct sigv4_hdr *in, size_t n)
{
	struct hdr *h;
	size_t i, j;

	h = ecalloc(n, sizeof *h);
	for (i = 0; i < n; i++) {
		h[i].name = estrdup(in[i].name);
		for (j = 0; h[i].name[j] != '\0'; j++)
			h[i].name[j] = (char)tolower((unsigned char)h[i].name[j]);
		h[i].idx = i;
		h[i].value = in[i].value;
	}
	qsort(h, n, sizeof *h, hdrcmp);
	for (i = 0; i < n; i++) {
		int first = i == 0 || strcmp(h[i].name, h[i - 1].name) != 0;
		if (first) {
			if (i > 0)
				putc('\n', fp);
			fprintf(fp, "%s:", h[i].name);
			fprintf(sh, "%s%s", i ? ";" : "", h[i].name);
		} else
			putc(',', fp);
		canon_value(fp, h[i].value);
	}
	if (n > 0)
		putc('\n', fp);
	for (i = 0; i < n; i++)
		free(h[i].name);
	free(h);
}

static void
hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int len = 32;

	if (HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
	    strlen(msg), out, &len) == NULL)
		errx(1, "sigv4: HMAC failed");
}

static int
valid_amzdate(const char *d)
{
	size_t i;

	if (d == NULL || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return 0;
	for (i = 0; i < 15; i++)
		if (i != 8 && !isdigit((unsigned char)d[i]))
			return 0;
	return 1;
}

int
sigv4_sign(const struct sigv4_req *r, const struct sigv4_key *k, struct sigv4_out *out)
{
	struct sbuf c, sh, s, a;
	char hash[65], date[9], *keybuf, *signed_hdrs;
	unsigned char kd[32], kr[32], ks[32], kk[32], sig[32];
	size_t klen;
	int i;

	if (!valid_amzdate(k->amzdate))
		return -1;
	memcpy(date, k->amzdate, 8);
	date[8] = '\0';

	sb_open(&c);
	sb_open(&sh);
	fprintf(c.fp, "%s\n", r->method);
	canon_path(c.fp, r->path);
	putc('\n', c.fp);
	canon_query(c.fp, r->query);
	putc('\n', c.fp);
	canon_headers(c.fp, sh.fp, r->hdr, r->nhdr);
	signed_hdrs = sb_close(&sh);
	sigv4_sha256_hex(r->body ? r->body : "", r->body ? r->len : 0, hash);
	fprintf(c.fp, "\n%s\n%s", signed_hdrs, hash);
	out->creq = sb_close(&c);

	sigv4_sha256_hex(out->creq, strlen(out->creq), hash);
	sb_open(&s);
	fprintf(s.fp, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
	    k->amzdate, date, k->region, k->service, hash);
	out->sts = sb_close(&s);

	klen = strlen(k->secret_key) + 4;
	keybuf = emalloc(klen + 1);
	snprintf(keybuf, klen + 1, "AWS4%s", k->secret_key);
	hmac(keybuf, klen, date, kd);
	OPENSSL_cleanse(keybuf, klen);
	free(keybuf);
	hmac(kd, 32, k->region, kr);
	hmac(kr, 32, k->service, ks);
	hmac(ks, 32, "aws4_request", kk);
	hmac(kk, 32, out->sts, sig);
	OPENSSL_cleanse(kd, 32);
	OPENSSL_cleanse(kr, 32);
	OPENSSL_cleanse(ks, 32);
	OPENSSL_cleanse(kk, 32);

	sb_open(&a);
	fprintf(a.fp, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
	    "SignedHeaders=%s, Signature=", k->access_key, date, k->region,
	    k->service, signed_hdrs);
	for (i = 0; i < 32; i++)
		fprintf(a.fp, "%02x", sig[i]);
	out->authz = sb_close(&a);
	free(signed_hdrs);
	return 0;
}

void
sigv4_out_free(struct sigv4_out *out)
{
	free(out->creq);
	free(out->sts);
	free(out->authz);
	out->creq = out->sts = out->authz = NULL;
}
