#!lua name=cellstress
-- cellsrv.lua: the cell protocol (DESIGN.md "Cell protocol") as a Redis 7
-- function library. cellsrv embeds this file and installs it with FUNCTION
-- LOAD REPLACE at start; every protocol step is one FCALL, so a step is atomic
-- and nothing lives in cellsrv that a restart would lose. Key layout: keys.h.
--
-- A step may cause others: a SEND forwards a DLV, a DLV answers with an ACK.
-- When the target of such a message lives in this cell (its uid is in
-- lo..hi, passed by cellsrv) the step is applied here, in the same call;
-- otherwise it is returned to cellsrv as a peer line to forward:
--   "D FROM TO SEQ K BODY"  deliver message K of FROM (pair seq SEQ) to TO
--   "A FROM TO K"           TO has received message K of FROM
--   "a FROM TO K"           (report only) that ACK was applied here (a
--                           same-cell SEND reports only how many it acked)
-- Every step is O(1) apart from draining what was parked behind it, and
-- idempotent: a repeated DLV or ACK changes nothing and a repeated DLV is
-- acknowledged again, so re-sending is always safe.
--
-- A message touches few keys, since every key is a lookup in a dict of
-- millions at a million users: the pair sequences are fields of the user
-- records (">F", "<F"), and the record's Parked field counts what waits in
-- ps:U, pd:U and pa:U, so those keys, nearly always absent, are looked up
-- only when it is not 0. A record without Parked (written by hand, or by an
-- older loader) is served as well: every parked key is looked up, and the
-- count is not kept.
--
-- Keys of other users than the caller's are derived here (a cell is one
-- stand-alone redis-server, not a cluster), so calls pass numkeys 0.

local call              -- redis.call (not readable while loading)
local fmt               -- string.format: '%d' is cheaper than tostring's '%.14g'
local lo, hi            -- uid range of this cell
local queue, qh, qn     -- DLV/ACK steps caused by the current call: head, tail
local out               -- reply items
local st                -- counts: accepted, delivered, acked, duplicate DLVs,
                        -- DLVs dropped as too far ahead
local park_max          -- the window: farthest DLV parked, in seqs past si

local function is_local(u)
	local n = tonumber(u)
	return n ~= nil and n >= lo and n <= hi
end

-- ACK(u, k) at u's cell: advance SendAckId over contiguous acked ids.
local function ack_step(u, k)
	local uk = 'u:' .. u
	local h = call('HMGET', uk, 'SendId', 'SendAckId', 'Parked')
	if not h[1] then return false end
	local s, a, np = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
	if k > s then return false end          -- never sent: ignore
	if k <= a then return false end
	local pk = 'pa:' .. u
	if k ~= a + 1 then
		if call('SADD', pk, k) == 0 then return false end
		if np then call('HSET', uk, 'Parked', fmt('%d', np + 1)) end
	else
		a = k
		while np ~= 0 and call('SREM', pk, a + 1) == 1 do
			a = a + 1
			if np then np = np - 1 end
		end
		if np and np ~= tonumber(h[3]) then
			call('HSET', uk, 'SendAckId', fmt('%d', a), 'Parked', fmt('%d', np))
		else
			call('HSET', uk, 'SendAckId', fmt('%d', a))
		end
	end
	st[3] = st[3] + 1
	return true
end

-- DLV(u -> f, seq, k, body) at f's cell: deliver in pair order, ACK each.
-- A DLV above the pair's in-seq "<u"+1 is parked, but only up to
-- "<u"+window: the DLVs of the pair between "<u" and seq are all un-acked,
-- and send_one accepts no id beyond SendAckId+window (WINDOW), so a
-- legitimate seq is at most "<u"+window. One farther (a buggy or hostile
-- peer, a sender with a larger -w) is dropped and counted, so pd:f stays
-- bounded; dropping a DLV is safe: the client re-sends every id above
-- SendAckId and a re-sent SEND re-forwards the DLV, parked once the gap has
-- closed enough. A DLV to an unknown user, from a non-friend or to a record
-- whose ReceiveId is no number is ignored.
local function dlv_step(u, f, seq, k, body)
	local fk, iu = 'u:' .. f, '<' .. u
	local h = call('HMGET', fk, iu, 'ReceiveId', 'Parked')
	local r = tonumber(h[2])
	if not r then return end
	local cur = tonumber(h[1])
	if not cur then                          -- the pair's first DLV here
		if call('SISMEMBER', 'f:' .. f, u) == 0 then return end
		cur = 0
	end
	if seq <= cur then                       -- duplicate: ACK again
		st[4] = st[4] + 1
		qn = qn + 1; queue[qn] = {'A', u, f, k}
		return
	end
	local np, pk = tonumber(h[3]), 'pd:' .. f
	if seq > cur + 1 then                    -- gap: park it
		if seq - cur > park_max then         -- too far ahead: drop
			st[5] = st[5] + 1
			return
		end
		if call('HSETNX', pk, u .. ':' .. seq, k .. ' ' .. body) == 1 and np then
			call('HSET', fk, 'Parked', fmt('%d', np + 1))
		end
		return
	end
	local ik, n = 'i:' .. f, 0
	while true do
		cur = cur + 1
		n = n + 1
		call('RPUSH', ik, u .. ' ' .. cur .. ' ' .. k .. ' ' .. body)
		qn = qn + 1; queue[qn] = {'A', u, f, k}
		if np == 0 then break end
		local pf = u .. ':' .. (cur + 1)
		local p = call('HGET', pk, pf)
		if not p then break end
		call('HDEL', pk, pf)
		if np then np = np - 1 end
		k, body = string.match(p, '^(%d+) (.*)$')
		k = tonumber(k)
	end
	if np and np ~= tonumber(h[3]) then
		call('HSET', fk, iu, fmt('%d', cur), 'ReceiveId', fmt('%d', r + n),
		    'Parked', fmt('%d', np))
	else
		call('HSET', fk, iu, fmt('%d', cur), 'ReceiveId', fmt('%d', r + n))
	end
	st[2] = st[2] + n
end

-- Apply the queued steps whose target is here; return the others.
local function run_queue()
	while qh <= qn do
		local q = queue[qh]
		queue[qh] = nil
		qh = qh + 1
		if q[1] == 'D' then
			-- (a re-sent SEND's DLV) A pair within this cell was delivered
			-- in the call that accepted it: a duplicate, acknowledged again.
			if is_local(q[3]) then
				st[4] = st[4] + 1
				qn = qn + 1; queue[qn] = {'A', q[2], q[3], q[5]}
			else
				out[#out + 1] = 'D ' .. q[2] .. ' ' .. q[3] .. ' ' .. q[4] ..
				    ' ' .. q[5] .. ' ' .. q[6]
			end
		elseif is_local(q[2]) then
			if ack_step(q[2], q[4]) then
				out[#out + 1] = 'a ' .. q[2] .. ' ' .. q[3] .. ' ' .. q[4]
			end
		else
			out[#out + 1] = 'A ' .. q[2] .. ' ' .. q[3] .. ' ' .. q[4]
		end
	end
end

local function begin(args)
	call, fmt = redis.call, string.format
	lo, hi = tonumber(args[1]), tonumber(args[2])
	queue, qh, qn, out, st = {}, 1, 0, {}, {0, 0, 0, 0, 0}
end

-- The hot path of cs_send: K = SendId+1 is accepted, then every parked
-- K+1, K+2, ... With the receiver in this cell, DLV and ACK are applied here
-- too, cheaper than the general steps: a pair of local users is always in
-- order, delivered in the call that accepts it, so it needs no in-seq "<U"
-- at F, and U's counters are kept in Lua and written once. fseq is the pair
-- sequence U->F so far, np U's Parked count (nil: not kept). With nothing
-- parked, 3 Redis calls for a receiver in another cell, 5 for one in this
-- cell.
local function accept(u, f, body, s, a, rcv, fseq, np)
	local uk, ok = 'u:' .. u, 'o:' .. u
	local a0, np0, nacc, nloc = a, np, 0, 0
	local r = {'acc', 0, 0, rcv, 0, 0, 0, 0}
	local seqs = {[f] = fseq}          -- pair sequences out, by friend
	-- Numbers become strings once each: every conversion is a sprintf.
	while true do
		s = s + 1
		local ss = fmt('%d', s)
		local q = seqs[f]
		if not q then q = tonumber(call('HGET', uk, '>' .. f)) or 0 end
		seqs[f] = q + 1
		local seq = fmt('%d', q + 1)
		call('RPUSH', ok, f .. ' ' .. seq .. ' ' .. body)
		nacc = nacc + 1
		if is_local(f) then
			call('RPUSH', 'i:' .. f, u .. ' ' .. seq .. ' ' .. ss .. ' ' .. body)
			call('HINCRBY', 'u:' .. f, 'ReceiveId', '1')
			if s == a + 1 then
				a = s
			elseif call('SADD', 'pa:' .. u, ss) == 1 and np then
				np = np + 1
			end
			nloc = nloc + 1
		else
			r[#r + 1] = 'D ' .. u .. ' ' .. f .. ' ' .. seq .. ' ' .. ss .. ' ' .. body
		end
		if np == 0 then break end
		local nk = fmt('%d', s + 1)
		local psk = 'ps:' .. u
		local p = call('HGET', psk, nk)
		if not p then break end
		call('HDEL', psk, nk)
		if np then np = np - 1 end
		f, body = string.match(p, '^(%d+) (.*)$')
	end
	if a > a0 then
		local pk = 'pa:' .. u
		while np ~= 0 and call('SREM', pk, fmt('%d', a + 1)) == 1 do
			a = a + 1
			if np then np = np - 1 end
		end
	end
	if nacc == 1 and np == np0 then             -- the usual: one HSET
		call('HSET', uk, 'SendId', fmt('%d', s), 'SendAckId', fmt('%d', a),
		    '>' .. f, fmt('%d', seqs[f]))
	else
		local w = {'HSET', uk, 'SendId', fmt('%d', s), 'SendAckId', fmt('%d', a)}
		if np and np ~= np0 then w[#w + 1] = 'Parked'; w[#w + 1] = fmt('%d', np) end
		for g, q in pairs(seqs) do w[#w + 1] = '>' .. g; w[#w + 1] = fmt('%d', q) end
		call(unpack(w))
	end
	r[2], r[3], r[5], r[6], r[7] = s, a, nacc, nloc, nloc
	return r
end

-- SEND(U, F, K, BODY): the client's message K of U to friend F. Returns
-- {status, SendId, SendAckId, ReceiveId, accepted, delivered, acked,
-- duplicate, items...}; status "done" (K already acked), "retx" (accepted
-- before: its DLV is sent again), "park" (waits for a lower K), "acc"; or
-- {error} for NOUSER, BADRECORD (a counter of U that is no number),
-- NOTFRIEND, CONFLICT (K accepted with another friend or body), WINDOW (K
-- too far above SendAckId). An error writes nothing.
local function send_one(window, u, f, k, body)
	if not k or k < 1 or k % 1 ~= 0 then
		return {'BADID message id must be a positive integer'}
	end
	local uk = 'u:' .. u
	local h = call('HMGET', uk, 'SendId', 'SendAckId', 'ReceiveId', '>' .. f, 'Parked')
	if not h[1] then return {'NOUSER unknown user'} end
	local s, a, fseq = tonumber(h[1]), tonumber(h[2]), tonumber(h[4])
	if not s or not a or not tonumber(h[3]) or (h[4] and not fseq) then
		-- checked before any write: a step must not stop half done
		return {'BADRECORD user record with a counter that is no number'}
	end
	-- A pair sequence exists only for a friend.
	if not fseq and call('SISMEMBER', 'f:' .. u, f) == 0 then
		return {'NOTFRIEND not a friend'}
	end
	-- In order or not, no K beyond the window: it bounds what a client can
	-- have unacknowledged, hence how far ahead a legitimate DLV can be
	-- (dlv_step parks no farther).
	if k > a + window then
		return {'WINDOW message id too far above SendAckId'}
	end
	if k == s + 1 then
		return accept(u, f, body, s, a, tonumber(h[3]), fseq or 0, tonumber(h[5]))
	end
	local status = 'park'
	queue, qh, qn, out, st = {}, 1, 0, {}, {0, 0, 0, 0, 0}
	park_max = window
	if k <= s then
		local e = call('LINDEX', 'o:' .. u, k - 1)
		local ef, eseq, ebody = string.match(e or '', '^(%d+) (%d+) (.*)$')
		if ef ~= f or ebody ~= body then
			return {'CONFLICT message id accepted with another friend or body'}
		end
		if k <= a then
			status = 'done'
		else
			status = 'retx'
			qn = qn + 1; queue[qn] = {'D', u, f, tonumber(eseq), k, body}
			run_queue()
			h = call('HMGET', uk, 'SendId', 'SendAckId', 'ReceiveId')
		end
	else
		local psk = 'ps:' .. u
		local p = call('HGET', psk, k)
		if p == false then
			call('HSET', psk, k, f .. ' ' .. body)
			local np = tonumber(h[5])
			if np then call('HSET', uk, 'Parked', fmt('%d', np + 1)) end
		elseif p ~= f .. ' ' .. body then
			return {'CONFLICT message id accepted with another friend or body'}
		end
	end
	local r = {status, tonumber(h[1]), tonumber(h[2]), tonumber(h[3]),
	    st[1], st[2], st[3], st[4]}
	for i = 1, #out do r[#r + 1] = out[i] end
	return r
end

-- cs_send lo hi window U F K BODY: one SEND; an error is an error reply.
local function cs_send(_, args)
	call, fmt = redis.call, string.format
	lo, hi = tonumber(args[1]), tonumber(args[2])
	local r = send_one(tonumber(args[3]), args[4], args[5], tonumber(args[6]), args[7])
	if r[2] == nil then return redis.error_reply(r[1]) end
	return r
end

-- cs_sendv lo hi window (U F K BODY)...: several SENDs in one call (what
-- cellsrv received in one event loop turn), applied in order; the reply
-- holds one SEND reply per SEND, errors as one-element arrays.
local function cs_sendv(_, args)
	call, fmt = redis.call, string.format
	lo, hi = tonumber(args[1]), tonumber(args[2])
	local window, r = tonumber(args[3]), {}
	for i = 4, #args - 3, 4 do
		r[#r + 1] = send_one(window, args[i], args[i + 1], tonumber(args[i + 2]), args[i + 3])
	end
	return r
end

-- cs_peer lo hi window ITEM...: a batch of lines from peer cells, each item
-- "D" FROM TO SEQ K BODY or "A" FROM TO K (5 or 3 arguments after the
-- letter). Items not addressed to this cell, or about unknown users or
-- non-friends, are ignored; a DLV more than window pair seqs ahead is
-- dropped (dlv_step). Reply: {delivered, acked, duplicate, dropped far,
-- items...}.
local function cs_peer(_, args)
	begin(args)
	park_max = tonumber(args[3])
	if not park_max then return redis.error_reply('BADWINDOW window must be a number') end
	local i, n = 4, #args
	while i <= n do
		if args[i] == 'D' then
			-- A DLV between two users of this cell never crosses a link:
			-- such pairs are delivered in SEND's call, always in order.
			local seq, k = tonumber(args[i + 3]), tonumber(args[i + 4])
			if is_local(args[i + 2]) and not is_local(args[i + 1]) and
			    seq and seq >= 1 and k and k >= 1 then
				dlv_step(args[i + 1], args[i + 2], seq, k, args[i + 5])
			end
			i = i + 6
		else
			local k = tonumber(args[i + 3])
			if k and is_local(args[i + 1]) and ack_step(args[i + 1], k) then
				out[#out + 1] = 'a ' .. args[i + 1] .. ' ' .. args[i + 2] .. ' ' .. args[i + 3]
			end
			i = i + 4
		end
		run_queue()
	end
	local r = {st[2], st[3], st[4], st[5]}
	for j = 1, #out do r[#r + 1] = out[j] end
	return r
end

-- cs_user U: {SendId, SendAckId, ReceiveId, ClientReceiveId, N, friend
-- x N, acked...}: the acked are the ids above SendAckId already
-- acknowledged (pa:U, at most window of them), which a client need not
-- send again.
local function cs_user(_, args)
	call = redis.call
	local u = args[1]
	local h = call('HMGET', 'u:' .. u, 'SendId', 'SendAckId', 'ReceiveId',
	    'ClientReceiveId', 'Parked')
	if not h[1] then return redis.error_reply('NOUSER unknown user') end
	local f = call('SMEMBERS', 'f:' .. u)
	local r = {tonumber(h[1]), tonumber(h[2]), tonumber(h[3]), tonumber(h[4]) or 0, #f}
	for i = 1, #f do r[#r + 1] = f[i] end
	if tonumber(h[5]) ~= 0 then
		local a = call('SMEMBERS', 'pa:' .. u)
		for i = 1, #a do r[#r + 1] = a[i] end
	end
	return r
end

-- cs_inbox U FROM LIMIT: {ReceiveId, entry...}, entries FROM..FROM+LIMIT-1
-- of the inbox (0-based); records ClientReceiveId = max(it, min(FROM, R)).
local function cs_inbox(_, args)
	call = redis.call
	local u, from, limit = args[1], tonumber(args[2]), tonumber(args[3])
	local uk = 'u:' .. u
	local h = call('HMGET', uk, 'ReceiveId', 'ClientReceiveId')
	if not h[1] then return redis.error_reply('NOUSER unknown user') end
	local r, c = tonumber(h[1]), tonumber(h[2]) or 0
	local nc = math.min(from, r)
	if nc > c then call('HSET', uk, 'ClientReceiveId', nc) end
	local res = {r}
	if limit > 0 and from < r then
		local e = call('LRANGE', 'i:' .. u, from, from + limit - 1)
		for i = 1, #e do res[i + 1] = e[i] end
	end
	return res
end

redis.register_function('cs_send', cs_send)
redis.register_function('cs_sendv', cs_sendv)
redis.register_function('cs_peer', cs_peer)
redis.register_function{function_name = 'cs_user', callback = cs_user,
    flags = {'no-writes'}}
redis.register_function('cs_inbox', cs_inbox)
