-- commit (N keys, variable: the caller passes the key count): the effectively-once step. For a
-- whole batch, in one atomic script call: for each item, SET its idempotency marker NX; when the
-- marker was new, XADD its outputs and ZADD its delayed entries; in every case XACK its input.
-- Types and groups are checked before the first write, because Redis does not roll back a script
-- that fails half way. The arguments are built by encodeCommit (src/streams/scripts/args.ts).
--
-- KEYS     every key the batch touches, once each (declared, so Redis Cluster can route it)
-- ARGV[1]  marker TTL (ms)
-- ARGV[2]  the header, a JSON array of integers (decoded by cjson, in C):
--            itemCount, groupCount, wantIds (1: reply with the output ids), then per item:
--              markerKeyIndex (0 = none), ackKeyIndex (0 = none), ackGroupIndex (0 = none), outputCount,
--              { keyIndex, fieldCount } x outputCount, delayedCount, { keyIndex } x delayedCount,
--              snapshotKeyIndex (0 = none) [, version, lastEventOutput (1-based; 0 = the literal id below)]
--            fieldCount 0: the output is one envelope, `envelope <one string>` (the field name is not sent)
-- ARGV[3 .. 2 + groupCount]  the ack groups, referred to by ackGroupIndex
-- ARGV[...] then the strings, in header order, per item: inputId ('' = none), every output's
--            fields, { score, member } x delayedCount, then with a snapshot: expectedRevision
--            ('' = none may be stored), revision, lastEventId, value
--          (a per-item section added later goes after the snapshot section, in the header and the strings)
-- Returns  { statuses, ids... }: statuses holds one character per item, '1' committed, '0' duplicate,
--          '2' conflict; then, with wantIds, the ids of the committed items' outputs, in item and
--          output order (a committed item has as many as it sent outputs; the others none)
--
-- An item with a snapshot is checked first: its marker already set makes it a duplicate (acked,
-- nothing written); else a stored revision other than the expected one makes it a conflict: nothing
-- of it is written and its input is not acked, so the consumer decides it again on fresh state.
-- Otherwise the snapshot `<version> <revision> <lastEventId> <value>` is SET with the outputs.
-- Hot path: the numbers are one argument instead of ~10 per item (ioredis encodes, and Redis
-- parses, every argument), both passes walk the header without a table per item, and the reply
-- carries one status string instead of two numbers per item.

local ttl = ARGV[1]
local h = cjson.decode(ARGV[2])
local n = h[1]
local ng = h[2]
local want_ids = h[3] == 1
-- An output's field count; 0 stands for one implied `envelope` field and its value.
local function strings_of(nf)
  if nf == 0 then return 1 end
  return nf
end

local types = {}
local function type_ok(key, want)
  local t = types[key]
  if t == nil then
    t = redis.call('TYPE', key).ok
    types[key] = t
  end
  return t == 'none' or t == want
end
local groups = {}
local function has_group(key, group)
  local g = groups[key]
  if g == nil then
    g = {}
    local ok, info = pcall(redis.call, 'XINFO', 'GROUPS', key)
    if ok then
      for _, gi in ipairs(info) do g[gi[2]] = true end
    end
    groups[key] = g
  end
  return g[group] == true
end

-- Pass 1: check every key and group before the first write; note where each snapshot section is.
local snapq = {}
local snaps = {}
local q = 4
local s = 3 + ng
for i = 1, n do
  local ack = h[q + 1]
  if ack > 0 and not has_group(KEYS[ack], ARGV[2 + h[q + 2]]) then
    return redis.error_reply('NOGROUP No such key ' .. KEYS[ack] .. ' or consumer group ' .. ARGV[2 + h[q + 2]])
  end
  local no = h[q + 3]
  q = q + 4
  s = s + 1
  for j = 1, no do
    local key = KEYS[h[q]]
    if not type_ok(key, 'stream') then return redis.error_reply('WRONGTYPE ' .. key .. ' is not a stream') end
    s = s + strings_of(h[q + 1])
    q = q + 2
  end
  local nd = h[q]
  q = q + 1
  for j = 1, nd do
    local key = KEYS[h[q]]
    if not type_ok(key, 'zset') then return redis.error_reply('WRONGTYPE ' .. key .. ' is not a sorted set') end
    q = q + 1
  end
  s = s + 2 * nd
  if h[q] > 0 then
    if not type_ok(KEYS[h[q]], 'string') then return redis.error_reply('WRONGTYPE ' .. KEYS[h[q]] .. ' is not a string') end
    snapq[i] = q
    snaps[i] = s
    q = q + 3
    s = s + 4
  else
    q = q + 1
  end
end

-- Pass 2: write.
local out = { '' }
local on = 1
local status = {}
local acks = {}
q = 4
s = 3 + ng
for i = 1, n do
  local marker = h[q]
  local ack = h[q + 1]
  local group = h[q + 2]
  local no = h[q + 3]
  q = q + 4
  local id = ARGV[s]
  s = s + 1
  local fresh = true
  local conflict = false
  local sq = snapq[i]
  if sq then
    if marker > 0 and redis.call('EXISTS', KEYS[marker]) == 1 then
      fresh = false
    else
      local cur = redis.call('GET', KEYS[h[sq]])
      local revision = ''
      if cur then revision = string.match(cur, '^%d+ (%S+) ') or '?' end
      conflict = revision ~= ARGV[snaps[i]]
      fresh = not conflict
    end
  end
  if fresh and marker > 0 then
    local value = id
    if value == '' then value = '1' end
    fresh = redis.call('SET', KEYS[marker], value, 'NX', 'PX', ttl) ~= false
  end
  status[i] = conflict and '2' or (fresh and '1' or '0')
  -- The id of the output a snapshot names as the entity's last event.
  local last_output = 0
  if sq then last_output = h[sq + 2] end
  local last_id = nil
  for j = 1, no do
    local nf = h[q + 1]
    if fresh then
      local oid
      if nf == 0 then
        oid = redis.call('XADD', KEYS[h[q]], '*', 'envelope', ARGV[s])
      else
        oid = redis.call('XADD', KEYS[h[q]], '*', unpack(ARGV, s, s + nf - 1))
      end
      if want_ids then
        on = on + 1
        out[on] = oid
      end
      if j == last_output then last_id = oid end
    end
    q = q + 2
    s = s + strings_of(nf)
  end
  local nd = h[q]
  q = q + 1
  for j = 1, nd do
    if fresh then redis.call('ZADD', KEYS[h[q]], ARGV[s], ARGV[s + 1]) end
    q = q + 1
    s = s + 2
  end
  if sq then
    if fresh then
      local last = ARGV[s + 2]
      if last_id then last = last_id end
      redis.call('SET', KEYS[h[sq]], h[sq + 1] .. ' ' .. ARGV[s + 1] .. ' ' .. last .. ' ' .. ARGV[s + 3])
    end
    q = q + 3
    s = s + 4
  else
    q = q + 1
  end
  if ack > 0 and not conflict then
    local by_group = acks[ack]
    if by_group == nil then
      by_group = {}
      acks[ack] = by_group
    end
    local ids = by_group[group]
    if ids == nil then
      ids = {}
      by_group[group] = ids
    end
    ids[#ids + 1] = id
  end
end
out[1] = table.concat(status)
-- One XACK per (stream, group) for the whole batch.
for ack, by_group in pairs(acks) do
  for group, ids in pairs(by_group) do
    redis.call('XACK', KEYS[ack], ARGV[2 + group], unpack(ids))
  end
end
return out
