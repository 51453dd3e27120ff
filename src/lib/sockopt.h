/* sockopt.h: the socket options of cellstress's long-lived TCP links: the
 * source address an outgoing socket leaves from (a host has one address, so
 * a cut between two hosts by address catches every connection), and how
 * soon a link whose packets vanish is declared dead. */
#ifndef CS_SOCKOPT_H
#define CS_SOCKOPT_H

/* Keepalive probes of a link: after this many ms idle (or half the
 * timeout, if less; 1 s at least), one every CS_KEEPINTVL_MS; CS_KEEPCNT
 * unanswered ones end it, or the timeout, whichever is set. */
#define CS_KEEPIDLE_MS  2000
#define CS_KEEPINTVL_MS 1000
#define CS_KEEPCNT      3

/* Bind fd (an IPv4 TCP socket not yet connected) to addr, port chosen at
 * connect (IP_BIND_ADDRESS_NO_PORT). Returns 0, or -1 with errno set. */
int cs_bind_source(int fd, const char *addr);

/* Is addr an IPv4 address of this machine (one a socket can bind)? */
int cs_addr_local(const char *addr);

/* TCP keepalive (CS_KEEP*) and TCP_USER_TIMEOUT of timeout_ms on fd: data
 * unacknowledged, or probes unanswered, for that long close the link with
 * ETIMEDOUT, where plain TCP retransmits for many minutes. Returns 0, or -1
 * with errno set. */
int cs_sock_liveness(int fd, int timeout_ms);

/* Bytes of fd acknowledged by the peer so far, and bytes queued in the
 * kernel not yet acknowledged: data pending while the first stands still
 * is not getting through (the peer is cut off, or does not read). Returns
 * 0, or -1 with errno set. */
int cs_sock_acked(int fd, unsigned long long *acked, int *pending);

#endif
