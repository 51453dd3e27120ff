/* keys.h: the Redis key layout of one cell, in one place. redis-bulkload
 * writes the user records and friend sets; cellsrv's Redis functions (the
 * only writers after load) keep the protocol state; checkdb reads it all.
 * Every key names one user u of the cell; numbers are decimal text.
 *
 *   u:U    hash  SendId SendAckId ReceiveId ClientReceiveId (all 0 at load)
 *                SendId:    highest contiguous client message id accepted
 *                SendAckId: highest contiguous id acknowledged by its receiver
 *                ReceiveId: messages delivered to U, in order (= LLEN i:U)
 *                ClientReceiveId: inbox entries the client said it has read
 *   f:U    set   U's friends (uids)
 *   o:U    list  outbox: entry k-1 is client message k, "F SEQ BODY"
 *                (F the receiver, SEQ the pair sequence U->F); LLEN = SendId
 *   i:U    list  inbox in delivery order, "F SEQ K BODY" (from F, pair
 *                sequence SEQ, F's client message id K); LLEN = ReceiveId
 *   so:U   hash  F -> last pair sequence assigned to U->F
 *   si:U   hash  F -> last pair sequence delivered F->U
 *   ps:U   hash  K -> "F BODY": SENDs received above SendId+1, waiting
 *   pd:U   hash  "F:SEQ" -> "K BODY": DLVs from F received above si+1
 *   pa:U   set   K: ACKs received above SendAckId+1
 *
 * BODY is the message text as given (up to MSG_BODY_MAX bytes, any but NUL); it is
 * always the last field, so split at the first spaces only. */
#ifndef CS_KEYS_H
#define CS_KEYS_H

#define KEY_USER      "u:%lld"
#define KEY_FRIENDS   "f:%lld"
#define KEY_OUTBOX    "o:%lld"
#define KEY_INBOX     "i:%lld"
#define KEY_SEQ_OUT   "so:%lld"
#define KEY_SEQ_IN    "si:%lld"
#define KEY_PARK_SEND "ps:%lld"
#define KEY_PARK_DLV  "pd:%lld"
#define KEY_PARK_ACK  "pa:%lld"

#define FIELD_SEND_ID           "SendId"
#define FIELD_SEND_ACK_ID       "SendAckId"
#define FIELD_RECEIVE_ID        "ReceiveId"
#define FIELD_CLIENT_RECEIVE_ID "ClientReceiveId"

#include "host.h"               /* MSG_BODY_MAX, the ports */

#endif
