/* sigv4.h: AWS Signature Version 4 (HMAC-SHA256 over a canonical request),
 * with OpenSSL. Pure functions of their inputs: no clock, no environment, so
 * AWS's published test suite and botocore can check them byte for byte. */
#ifndef CS_SIGV4_H
#define CS_SIGV4_H

#include <stddef.h>

struct sigv4_hdr {
	const char *name;           /* any case; duplicates are joined with ',' in order */
	const char *value;          /* trimmed, inner runs of spaces squeezed */
};

struct sigv4_req {
	const char             *method;
	const char             *path;   /* raw (unencoded) path; dot segments and '//' removed */
	const char             *query;  /* query string without '?', pairs decoded then re-encoded */
	const struct sigv4_hdr *hdr;    /* every header to sign; must hold host and x-amz-date */
	size_t                  nhdr;
	const void             *body;
	size_t                  len;
};

struct sigv4_key {
	const char *access_key;
	const char *secret_key;     /* never printed by anything here */
	const char *region;
	const char *service;
	const char *amzdate;        /* YYYYMMDDTHHMMSSZ, the x-amz-date header's value */
};

struct sigv4_out {
	char *creq;                 /* canonical request */
	char *sts;                  /* string to sign */
	char *authz;                /* Authorization header value */
};

/* Sign r with k: fills out with malloc'd strings (free with sigv4_out_free).
 * Returns 0, or -1 when amzdate is malformed. O(size of the request). */
int sigv4_sign(const struct sigv4_req *r, const struct sigv4_key *k, struct sigv4_out *out);

void sigv4_out_free(struct sigv4_out *out);

/* Lower-case hex SHA-256 of p[0..n) into hex[65]. */
void sigv4_sha256_hex(const void *p, size_t n, char hex[65]);

#endif
