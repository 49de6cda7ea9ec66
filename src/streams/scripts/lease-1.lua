-- lease (1 key): a consumer refreshes the entries it is still handling, so no peer claims live work.
-- XCLAIM ... JUSTID to itself resets their idle time without bumping the delivery count. Only ids
-- still pending for this consumer and still in the stream are re-claimed: XCLAIM would take back an
-- entry a peer legitimately claimed, and on Redis 7 it drops a deleted id from the PEL (whose
-- outcome then only this process would know).
--
-- KEYS[1]  stream
-- ARGV[1]  group
-- ARGV[2]  consumer
-- ARGV[3..] the ids to lease
-- Returns  the ids leased

local own = {}
local args = { 'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0 }
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] and #redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i]) == 1 then
    own[#own + 1] = ARGV[i]
    args[#args + 1] = ARGV[i]
  end
end
-- unpack() expands fully only as the last argument: the whole command is built as one table.
args[#args + 1] = 'JUSTID'
if #own > 0 then redis.call(unpack(args)) end
return own
