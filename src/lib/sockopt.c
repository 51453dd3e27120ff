/* sockopt.c: source address and liveness options of TCP links (see
 * sockopt.h). */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <linux/tcp.h>          /* tcp_info with tcpi_bytes_acked */
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "sockopt.h"

int
cs_bind_source(int fd, const char *addr)
{
	struct sockaddr_in sin;
	int one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	/* The port is picked at connect, per destination: without this,
	 * bind takes one from the whole ephemeral range for every socket. */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
	return bind(fd, (struct sockaddr *)&sin, sizeof sin);
}

int
cs_addr_local(const char *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	ok = cs_bind_source(fd, addr) == 0;
	close(fd);
	return ok;
}

int
cs_sock_liveness(int fd, int timeout_ms)
{
	int one = 1, intvl = CS_KEEPINTVL_MS / 1000, cnt = CS_KEEPCNT;
	/* A first probe at half a short timeout, so the timeout holds. */
	int idle = (timeout_ms / 2 < CS_KEEPIDLE_MS ? timeout_ms / 2 : CS_KEEPIDLE_MS) / 1000;
	unsigned to = (unsigned)timeout_ms;

	if (idle < 1)
		idle = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &to, sizeof to) < 0)
		return -1;
	return 0;
}

int
cs_sock_acked(int fd, unsigned long long *acked, int *pending)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 || ioctl(fd, SIOCOUTQ, pending) < 0)
		return -1;
	*acked = ti.tcpi_bytes_acked;
	return 0;
}
