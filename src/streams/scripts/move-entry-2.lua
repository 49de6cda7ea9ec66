-- move-entry (2 keys): moves one entry from a stream to another, atomically: XADD to the target,
-- then XDEL from the source, only if the source entry still exists (a second mover finds it gone
-- and moves nothing). Existence is checked and the XADD runs before the XDEL, because Redis does
-- not roll back a script that fails half way: a failing XADD (wrong type) leaves the source entry
-- in place. On a cluster both keys must share a slot (keys of one partition do).
--
-- KEYS[1]  source stream
-- KEYS[2]  target stream
-- ARGV[1]  source entry id
-- ARGV[2..] the fields to append (name, value, ...)
-- Returns  the new entry's id, or false (nil) when the source entry was not there

if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 0 then return false end
local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
redis.call('XDEL', KEYS[1], ARGV[1])
return id
