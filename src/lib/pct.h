/* pct.h: percent-encoding (RFC 3986) of message bodies for the peer line
 * protocol, of SigV4's canonical requests and of EC2 Query form bodies, and
 * decoding of URL query values. The one encoder of the project: unreserved
 * bytes A-Z a-z 0-9 - . _ ~ stay, every other byte becomes %XX (upper case
 * hex), as SigV4 requires. No allocation in the buffer forms: callers pass
 * buffers sized for the worst case (3 bytes out per byte in to encode). */
#ifndef CS_PCT_H
#define CS_PCT_H

#include <stddef.h>
#include <stdio.h>

/* Encode src[0..len) into dst (room for 3*len bytes): every byte outside
 * the unreserved set A-Z a-z 0-9 - . _ ~ becomes %XX. Returns the length. */
size_t pct_encode(char *dst, const char *src, size_t len);

/* The same written to fp; with plus != 0 a space becomes '+' instead of
 * %20 (application/x-www-form-urlencoded as Python's urlencode writes it). */
void pct_fencode(FILE *fp, const char *src, size_t len, int plus);

/* Decode src[0..len) into dst (room for len bytes); with plus != 0 a '+'
 * decodes to a space (query strings). Returns the decoded length, or -1
 * for a malformed escape or an escaped NUL byte. */
long pct_decode(char *dst, const char *src, size_t len, int plus);

/* Decode src[0..len) into dst (room for len bytes), leniently, as SigV4
 * normalises a query: a '%' not followed by two hex digits stays as it is,
 * %00 decodes to a NUL byte, '+' stays '+'. Returns the decoded length. */
size_t pct_decode_lax(char *dst, const char *src, size_t len);

#endif
