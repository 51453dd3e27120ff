/* peerline.h: the text records cellsrv exchanges, parsed and formatted
 * without I/O, so that they can be tested alone: the lines between cells,
 * the items its Redis functions return for them, and inbox entries. Each is
 * numbers, canonical decimal (no sign, no leading zero: Redis keys and hash
 * fields are made of their text), then maybe a body, the rest of the record;
 * every field after one space:
 *
 *   D FROM TO SEQ K BODY   deliver (peer line: BODY percent-encoded, pct.h)
 *   A FROM TO K            acknowledge
 *   a FROM TO K            item only: this ACK was applied here
 *   FROM SEQ K BODY        inbox entry (keys.h i:U): what a D left there
 *
 * In an item or an inbox entry BODY is the message as sent (any byte but
 * NUL). */
#ifndef CS_PEERLINE_H
#define CS_PEERLINE_H

#include <stddef.h>

#include "host.h"

/* Largest K or SEQ accepted: the Redis functions print numbers as Lua does
 * (%.14g), exact for integers below 10^14 only (10^14 would come out as
 * "1e+14" in an inbox entry or ACK line). */
#define ID_MAX       99999999999999LL
/* Longest peer line, its newline included. */
#define PEERLINE_MAX (64 + 3 * MSG_BODY_MAX)

/* One record, split. The fields point into the text parsed (a peer line's
 * BODY into the caller's buffer, decoded). */
struct peerline {
	char        type;      /* 'D', 'A', 'a'; 0 for an inbox entry */
	long long   from, to, seq, k; /* 0 when the record has no such field */
	const char *body;      /* D and inbox entry, else NULL */
	size_t      blen;
	int         nf;        /* every field as text, in order, the type too: */
	const char *f[6];      /* "D" "1" "2" "3" "4" body; a peer line's are */
	size_t      fl[6];     /* the arguments cs_peer takes for it */
};

/* Parse a peer line s[0..n) (no newline) from another cell: FROM and TO in
 * [1, users], SEQ and K in [1, ID_MAX], BODY at most 3 * MSG_BODY_MAX bytes
 * encoded and MSG_BODY_MAX decoded, decoded into body (room for
 * 3 * MSG_BODY_MAX bytes). Returns NULL, or the name of the first field
 * missing or malformed: "type", "FROM", "TO", "SEQ", "K" or "BODY"; bytes
 * after an A's K are K's. O(n). */
const char *peerline_parse(struct peerline *pl, const char *s, size_t n, long long users,
                           char *body);

/* Parse an item s[0..n) of cellsrv.lua's replies: a D (BODY as sent), an A
 * or an a, every number in [1, ID_MAX]. Returns as peerline_parse. O(n). */
const char *peerline_item(struct peerline *pl, const char *s, size_t n);

/* Parse an inbox entry s[0..n) "FROM SEQ K BODY", numbers in [1, ID_MAX].
 * Returns as peerline_parse. O(n). */
const char *peerline_inbox(struct peerline *pl, const char *s, size_t n);

/* Write a D or an A (numbers in [1, ID_MAX], as parsed) as a peer line:
 * type, numbers, a D's BODY percent-encoded (cut to its first MSG_BODY_MAX
 * bytes) and a newline, into dst (room for PEERLINE_MAX bytes). Returns its
 * length. O(blen). */
size_t peerline_format(char *dst, const struct peerline *pl);

#endif
