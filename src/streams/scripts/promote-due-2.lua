-- promote-due (2 keys): moves due delayed entries onto their stream, oldest first, atomically with
-- their removal from the sorted set (a crash can neither lose nor double them).
--
-- KEYS[1]  delayed sorted set; a member is a JSON array [uid, field, value, ...], its score the due time
-- KEYS[2]  stream
-- ARGV[1]  now (ms)
-- ARGV[2]  limit
-- Returns  how many moved

local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  local a = cjson.decode(m)
  redis.call('XADD', KEYS[2], '*', unpack(a, 2))
end
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return #due
