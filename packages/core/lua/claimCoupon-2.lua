--[[
  Hands a grant one code of a coupon pool, once: the same grant asking again gets the same code.
  Atomic, so many workers racing for the last codes never hand one out twice nor go below zero.

  KEYS[1] the pool's free codes (a list)
  KEYS[2] the pool's claims (a hash: grant id → code)
  ARGV[1] the grant id

  Returns the code, or false when the pool has none left.
]]
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then
  return held
end
local code = redis.call('LPOP', KEYS[1])
if not code then
  return false
end
redis.call('HSET', KEYS[2], ARGV[1], code)
return code
