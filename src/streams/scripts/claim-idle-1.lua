-- claim-idle (1 key): XAUTOCLAIM plus each claimed entry's delivery count (which XAUTOCLAIM does
-- not return), in one round trip, so the runtime can send crash-looping poison to the DLQ.
-- Redis >= 7 lists entries deleted meanwhile (and drops them from the PEL); Redis 6.2 returns them
-- with nil fields and keeps them pending, so those are acked here to behave the same.
--
-- KEYS[1]  stream
-- ARGV[1]  group
-- ARGV[2]  consumer (the claimer)
-- ARGV[3]  minIdleMs
-- ARGV[4]  start id (cursor)
-- ARGV[5]  count
-- Returns  { next, { {id, fields}... }, { deletedId... }, { deliveries... } }

local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local live, counts = {}, {}
local deleted = r[3] or {}
for _, e in ipairs(r[2]) do
  if e[2] then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
    live[#live + 1] = e
    counts[#counts + 1] = (p[1] and p[1][4]) or 1
  else
    deleted[#deleted + 1] = e[1]
    redis.call('XACK', KEYS[1], ARGV[1], e[1])
  end
end
return { r[1], live, deleted, counts }
