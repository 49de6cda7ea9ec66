-- safe-trim (1 key): trims a stream only below what every group has acknowledged: the floor is,
-- over all groups, the smaller of its oldest pending id and the id just after its last delivered
-- one. A retention floor (entries younger than the window) lowers it further. With no group,
-- nothing counts as acknowledged and nothing is trimmed. Computing the floor and trimming in one
-- script means a group cannot move between the two.
-- An operator cap may then trim to that many newest entries even past the floor; the entries it
-- drops above the acknowledged floor are counted as unacknowledged.
--
-- KEYS[1]  stream
-- ARGV[1]  retention floor id ('' = none)
-- ARGV[2]  cap (0 = none)
-- Returns  { removed, removedUnacked }

local function parse(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  if am ~= bm then return am < bm end
  return as < bs
end
local function after(id)
  local ms, seq = parse(id)
  return string.format('%.0f-%.0f', ms, seq + 1)
end

if redis.call('TYPE', KEYS[1]).ok ~= 'stream' then return { 0, 0 } end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
local acked = nil
for _, g in ipairs(groups) do
  local name, last
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then last = g[i + 1] end
  end
  local pend = redis.call('XPENDING', KEYS[1], name)
  -- Keep what is pending and what is not yet delivered (a group moved back by SETID re-reads it).
  local candidate = after(last)
  if tonumber(pend[1]) > 0 and less(pend[2], candidate) then candidate = pend[2] end
  if acked == nil or less(candidate, acked) then acked = candidate end
end

local removed = 0
if acked ~= nil then
  local floor = acked
  if ARGV[1] ~= '' and less(ARGV[1], floor) then floor = ARGV[1] end
  removed = redis.call('XTRIM', KEYS[1], 'MINID', floor)
end

local unacked = 0
local cap = tonumber(ARGV[2])
if cap > 0 and redis.call('XLEN', KEYS[1]) > cap then
  local keep = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', cap)
  local keepFrom = keep[#keep][1]
  local lowest = acked or '0-0'
  local doomed = redis.call('XRANGE', KEYS[1], lowest, '(' .. keepFrom)
  unacked = #doomed
  removed = removed + redis.call('XTRIM', KEYS[1], 'MAXLEN', cap)
end
return { removed, unacked }
