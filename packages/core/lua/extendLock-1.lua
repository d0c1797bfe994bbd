--[[
  Extends a lock only if this holder still holds it: a holder whose lock expired and was taken
  by someone else must not extend the new holder's lock.

  KEYS[1] the lock key
  ARGV[1] the holder's token
  ARGV[2] the new time-to-live, in milliseconds

  Returns 1 when extended, 0 when the lock was not (or no longer) this holder's.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
