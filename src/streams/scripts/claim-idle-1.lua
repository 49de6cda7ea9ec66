-- claim-idle (1 key): takes over entries idle for at least minIdleMs in any consumer's PEL, with
-- their delivery counts, in one round trip (so the runtime can send crash-looping poison to the DLQ).
-- Not XAUTOCLAIM: on Redis 7 it drops every deleted id it scans from the PEL, idle or not, also a
-- live consumer's in-flight ones, and the caller would dead-letter entries their owner is still
-- handling. Here only idle pending entries are looked at (XPENDING IDLE: a live owner keeps its
-- own fresh with leases), live ones are XCLAIMed (min-idle re-checked, so a lease that won the race
-- wins), and deleted ones are reported with their owner and left pending: the caller decides
-- (owner alive: its commit acks it; owner gone: one dead letter, whose commit acks it).
--
-- KEYS[1]  stream
-- ARGV[1]  group
-- ARGV[2]  consumer (the claimer)
-- ARGV[3]  minIdleMs
-- ARGV[4]  start (inclusive id, or '(' id)
-- ARGV[5]  count
-- Returns  { next, { {id, fields}... }, { deletedId... }, { deliveries... }, { deletedOwner... } };
--          next is '0-0' once the scan wrapped around

local pend = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[3], ARGV[4], '+', ARGV[5])
local live, counts, deleted, owners = {}, {}, {}, {}
for _, p in ipairs(pend) do
  if #redis.call('XRANGE', KEYS[1], p[1], p[1]) == 1 then
    local c = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], p[1])
    if c[1] then
      live[#live + 1] = c[1]
      counts[#counts + 1] = p[4] + 1
    end
  else
    deleted[#deleted + 1] = p[1]
    owners[#owners + 1] = p[2]
  end
end
local next = '0-0'
if #pend >= tonumber(ARGV[5]) then next = '(' .. pend[#pend][1] end
return { next, live, deleted, counts, owners }
