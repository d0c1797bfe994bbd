--[[
  Keeps a claim's answer only if this claimer still holds it: a claim that outlived its hold and
  was taken by another request must not be overwritten by the first one (server/src/http/
  idempotent.ts: a create sent with an Idempotency-Key; freeing a claim is releaseLock-1.lua's).

  KEYS[1] the claimed key
  ARGV[1] the claim's value, as this claimer wrote it
  ARGV[2] the value to keep
  ARGV[3] its time-to-live, seconds

  Returns 1 when kept, 0 when the key was not (or no longer) this claimer's.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
