--[[
  Records a campaign's new status on its board. Any status but `frozen` (freezeBoard-20.lua
  freezes): when the board was frozen, its public snapshot is deleted in the same step and a
  `reset` change is published, so every screen resyncs to the live ranking.

  KEYS[1] board meta hash        KEYS[2] board seq
  KEYS[3] snapshot scores        KEYS[4] snapshot total         KEYS[5] snapshot seq
  KEYS[6] snapshot day scores    KEYS[7] snapshot day total
  KEYS[8] snapshot week scores   KEYS[9] snapshot week total
  KEYS[10] snapshot month scores KEYS[11] snapshot month total

  ARGV[1] the status   ARGV[2] change channel   ARGV[3] board id   ARGV[4] origin

  Returns 1 when the board was frozen and is no more, 0 otherwise, or
   -1  board not found (a lost board gets its status back from the rebuild's registration)
  (negative codes: SCRIPT_CODES in src/redis/scripts.ts)
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end

local was = redis.call('HGET', KEYS[1], 'status')
local frozen = was == 'frozen' or redis.call('HEXISTS', KEYS[1], 'frozenDay') == 1
redis.call('HSET', KEYS[1], 'status', ARGV[1])
if not frozen then
  return 0
end
redis.call('HDEL', KEYS[1], 'frozenDay', 'frozenSeq')
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11])
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
redis.call('PUBLISH', ARGV[2], cjson.encode({ boardId = ARGV[3], seq = seq, reset = true, origin = ARGV[4] }))
return 1
