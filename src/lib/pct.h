/* pct.h: percent-encoding (RFC 3986) of message bodies for the peer line
 * protocol and decoding of URL query values. No allocation: callers pass
 * buffers sized for the worst case (3 bytes out per byte in to encode). */
#ifndef CS_PCT_H
#define CS_PCT_H

#include <stddef.h>

/* Encode src[0..len) into dst (room for 3*len bytes): every byte outside
 * the unreserved set A-Z a-z 0-9 - . _ ~ becomes %XX. Returns the length. */
size_t pct_encode(char *dst, const char *src, size_t len);

/* Decode src[0..len) into dst (room for len bytes); with plus != 0 a '+'
 * decodes to a space (query strings). Returns the decoded length, or -1
 * for a malformed escape or an escaped NUL byte. */
long pct_decode(char *dst, const char *src, size_t len, int plus);

#endif
