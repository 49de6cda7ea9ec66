/**
 * commit: the effectively-once step. For a whole batch, in one atomic script call: for each item,
 * SET its idempotency marker NX; when the marker was new, XADD its outputs and ZADD its delayed
 * entries; in every case XACK its input. Types and groups are checked before the first write,
 * because Redis does not roll back a script that fails half way.
 *
 * KEYS: every key the batch touches (declared, so Redis Cluster can route it).
 * ARGV: ttlMs, itemCount, then per item:
 *   markerKeyIndex (0 = none), ackKeyIndex (0 = none), group, inputId,
 *   outputCount, { keyIndex, fieldCount, field... } x outputCount,
 *   delayedCount, { keyIndex, score, member } x delayedCount
 * Returns per item { 1 committed | 0 duplicate, { outputId... } }.
 */
export const COMMIT_SCRIPT = `
local ttl = ARGV[1]
local n = tonumber(ARGV[2])
local p = 3
local items = {}
for i = 1, n do
  local it = { marker = tonumber(ARGV[p]), ack = tonumber(ARGV[p + 1]), group = ARGV[p + 2], id = ARGV[p + 3] }
  local no = tonumber(ARGV[p + 4])
  p = p + 5
  it.outs = {}
  for j = 1, no do
    local nf = tonumber(ARGV[p + 1])
    it.outs[j] = { tonumber(ARGV[p]), p + 2, nf }
    p = p + 2 + nf
  end
  local nd = tonumber(ARGV[p])
  p = p + 1
  it.delayed = {}
  for j = 1, nd do
    it.delayed[j] = { tonumber(ARGV[p]), ARGV[p + 1], ARGV[p + 2] }
    p = p + 3
  end
  items[i] = it
end

local types = {}
local function check_type(key, want)
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

for _, it in ipairs(items) do
  for _, o in ipairs(it.outs) do
    if not check_type(KEYS[o[1]], 'stream') then return redis.error_reply('WRONGTYPE ' .. KEYS[o[1]] .. ' is not a stream') end
  end
  for _, d in ipairs(it.delayed) do
    if not check_type(KEYS[d[1]], 'zset') then return redis.error_reply('WRONGTYPE ' .. KEYS[d[1]] .. ' is not a sorted set') end
  end
  if it.ack > 0 and not has_group(KEYS[it.ack], it.group) then
    return redis.error_reply('NOGROUP No such key ' .. KEYS[it.ack] .. ' or consumer group ' .. it.group)
  end
end

local acks = {}
local result = {}
for i, it in ipairs(items) do
  local fresh = true
  if it.marker > 0 then
    local value = it.id
    if value == '' then value = '1' end
    fresh = redis.call('SET', KEYS[it.marker], value, 'NX', 'PX', ttl) ~= false
  end
  local ids = {}
  if fresh then
    for j, o in ipairs(it.outs) do
      ids[j] = redis.call('XADD', KEYS[o[1]], '*', unpack(ARGV, o[2], o[2] + o[3] - 1))
    end
    for _, d in ipairs(it.delayed) do
      redis.call('ZADD', KEYS[d[1]], d[2], d[3])
    end
  end
  if it.ack > 0 then
    local k = it.ack .. '\\0' .. it.group
    local a = acks[k]
    if a == nil then
      a = { it.ack, it.group }
      acks[k] = a
    end
    a[#a + 1] = it.id
  end
  result[i] = { fresh and 1 or 0, ids }
end
-- One XACK per (stream, group) for the whole batch.
for _, a in pairs(acks) do
  redis.call('XACK', KEYS[a[1]], a[2], unpack(a, 3))
end
return result
`;
