--[[
  Reads a board's top of the ranking and its sequence number at one instant, so that the
  entries and the seq a client receives always belong together.

  KEYS[1] board meta hash
  KEYS[2] board scores zset
  KEYS[3] board change sequence

  ARGV[1] how many entries, from the top

  Returns
    { seq, { member1, score1, member2, score2, ... } }
   -1   board not found
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local limit = tonumber(ARGV[1])
local flat = redis.call('ZREVRANGE', KEYS[2], 0, limit - 1, 'WITHSCORES')
local seq = tonumber(redis.call('GET', KEYS[3]) or '0')
return { seq, flat }
