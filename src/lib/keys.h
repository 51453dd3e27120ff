/* keys.h: the Redis key layout of one cell, in one place for C (the Lua
 * functions of src/cellsrv.lua use the same names). What each key holds,
 * who writes it and why: docs/protocol.md#redis-keys. BODY is always the
 * last field of an entry, so split at the first spaces only. */
#ifndef CS_KEYS_H
#define CS_KEYS_H

#define KEY_USER      "u:%lld"
#define KEY_FRIENDS   "f:%lld"
#define KEY_OUTBOX    "o:%lld"
#define KEY_INBOX     "i:%lld"
#define KEY_PARK_SEND "ps:%lld"
#define KEY_PARK_DLV  "pd:%lld"
#define KEY_PARK_ACK  "pa:%lld"

#define FIELD_SEND_ID           "SendId"
#define FIELD_SEND_ACK_ID       "SendAckId"
#define FIELD_RECEIVE_ID        "ReceiveId"
#define FIELD_CLIENT_RECEIVE_ID "ClientReceiveId"
#define FIELD_PARKED            "Parked"    /* entries of ps:, pd:, pa: */
#define NFIELDS                 5           /* the fields above, all 0 at load */
/* Also in u:U, written by cellsrv.lua only: ">F" and "<F", the pair
 * sequences U->F and F->U (the latter for F in another cell). */

#include "host.h"               /* MSG_BODY_MAX, the ports */

#endif
