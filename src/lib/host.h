/* host.h: the host contract, in one place: the ports every host's services
 * listen on (DESIGN.md; flags may override them) and the limit on a message
 * body. The shell helpers (cs-node, cs-host) get these very values: mk/build.mk
 * generates $(BUILD)/host.sh from this file's #defines and puts it where a
 * script has the line "# @host.h@". */
#ifndef CS_HOST_H
#define CS_HOST_H

#define PORT_REDIS   7379       /* redis-server of the cell */
#define PORT_HTTP    9500       /* cellsrv: the users' HTTP API, /metrics */
#define PORT_PEER    9501       /* cellsrv: links from the other cells */
#define PORT_SERVE   9502       /* cs-serve: the deploy archive (SHIP=tree) */
#define PORT_CLIENT  9503       /* msgclient: its /metrics during a run */

#define MSG_BODY_MAX 1024       /* longest message body, bytes */

#endif
