/**
 * commit: the effectively-once step. For a whole batch, in one atomic script call: for each item,
 * SET its idempotency marker NX; when the marker was new, XADD its outputs and ZADD its delayed
 * entries; in every case XACK its input. Types and groups are checked before the first write,
 * because Redis does not roll back a script that fails half way.
 *
 * KEYS: every key the batch touches (declared, so Redis Cluster can route it).
 * ARGV: ttlMs, itemCount, then per item:
 *   markerKeyIndex (0 = none), ackKeyIndex (0 = none), group, inputId,
 *   snapshotKeyIndex (0 = none) [, expectedVersion (-1 = must be absent), version,
 *     lastEventOutput (1-based, 0 = use the literal), lastEventId, value],
 *   outputCount, { keyIndex, fieldCount, field... } x outputCount,
 *   delayedCount, { keyIndex, score, member } x delayedCount
 * Returns a flat array, per item: 1 committed | 0 duplicate | 2 conflict, the number of output ids, the ids.
 * An item with a snapshot is checked first: its marker already set makes it a duplicate (acked,
 * nothing written); else a stored version other than the expected one makes it a conflict: nothing
 * of it is written and its input is not acked, so the consumer reads it again and decides on fresh
 * state. Otherwise the snapshot `<version> <lastEventId> <value>` is SET with the outputs.
 * Hot path: two passes over ARGV without a table per item (the script runs once per batch and
 * its allocations were a third of its time).
 */
export const COMMIT_SCRIPT = `
local ttl = ARGV[1]
local n = tonumber(ARGV[2])

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

-- Pass 1: check every key and group before the first write.
local p = 3
for i = 1, n do
  local ack = tonumber(ARGV[p + 1])
  if ack > 0 and not has_group(KEYS[ack], ARGV[p + 2]) then
    return redis.error_reply('NOGROUP No such key ' .. KEYS[ack] .. ' or consumer group ' .. ARGV[p + 2])
  end
  local snap = tonumber(ARGV[p + 4])
  if snap > 0 then
    if not type_ok(KEYS[snap], 'string') then return redis.error_reply('WRONGTYPE ' .. KEYS[snap] .. ' is not a string') end
    p = p + 5
  end
  local no = tonumber(ARGV[p + 5])
  p = p + 6
  for j = 1, no do
    local key = KEYS[tonumber(ARGV[p])]
    if not type_ok(key, 'stream') then return redis.error_reply('WRONGTYPE ' .. key .. ' is not a stream') end
    p = p + 2 + tonumber(ARGV[p + 1])
  end
  local nd = tonumber(ARGV[p])
  p = p + 1
  for j = 1, nd do
    local key = KEYS[tonumber(ARGV[p])]
    if not type_ok(key, 'zset') then return redis.error_reply('WRONGTYPE ' .. key .. ' is not a sorted set') end
    p = p + 3
  end
end

-- Pass 2: write.
local out = {}
local acks = {}
p = 3
for i = 1, n do
  local marker = tonumber(ARGV[p])
  local ack = tonumber(ARGV[p + 1])
  local group = ARGV[p + 2]
  local id = ARGV[p + 3]
  local snap = tonumber(ARGV[p + 4])
  local sp = p + 5
  if snap > 0 then p = p + 5 end
  local no = tonumber(ARGV[p + 5])
  p = p + 6
  local fresh = true
  local conflict = false
  if snap > 0 then
    if marker > 0 and redis.call('EXISTS', KEYS[marker]) == 1 then
      fresh = false
    else
      local cur = redis.call('GET', KEYS[snap])
      local version = -1
      if cur then version = tonumber(string.match(cur, '^(%d+) ')) or -2 end
      conflict = version ~= tonumber(ARGV[sp])
    end
  end
  if conflict then fresh = false end
  if fresh and marker > 0 then
    local value = id
    if value == '' then value = '1' end
    fresh = redis.call('SET', KEYS[marker], value, 'NX', 'PX', ttl) ~= false
  end
  out[#out + 1] = conflict and 2 or (fresh and 1 or 0)
  out[#out + 1] = fresh and no or 0
  local first = #out
  for j = 1, no do
    local nf = tonumber(ARGV[p + 1])
    if fresh then out[#out + 1] = redis.call('XADD', KEYS[tonumber(ARGV[p])], '*', unpack(ARGV, p + 2, p + 1 + nf)) end
    p = p + 2 + nf
  end
  local nd = tonumber(ARGV[p])
  p = p + 1
  for j = 1, nd do
    if fresh then redis.call('ZADD', KEYS[tonumber(ARGV[p])], ARGV[p + 1], ARGV[p + 2]) end
    p = p + 3
  end
  if fresh and snap > 0 then
    local last = ARGV[sp + 3]
    local lo = tonumber(ARGV[sp + 2])
    if lo > 0 then last = out[first + lo] end
    redis.call('SET', KEYS[snap], ARGV[sp + 1] .. ' ' .. last .. ' ' .. ARGV[sp + 4])
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
-- One XACK per (stream, group) for the whole batch.
for ack, by_group in pairs(acks) do
  for group, ids in pairs(by_group) do
    redis.call('XACK', KEYS[ack], group, unpack(ids))
  end
end
return out
`;
