--[[
  Gives a revoked grant's code back to its pool, once: a second release finds no claim and does
  nothing.

  KEYS[1] the pool's free codes (a list)
  KEYS[2] the pool's claims (a hash: grant id → code)
  ARGV[1] the grant id

  Returns the code put back, or false when the grant held none.
]]
local code = redis.call('HGET', KEYS[2], ARGV[1])
if not code then
  return false
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[1], code)
return code
