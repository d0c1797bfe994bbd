--[[
  Records what one participant's counted acts of a batch teach (interests.ts): the candidates they
  touched, always, and their likes' tag weights, unless they have turned personalised
  recommendations off. The off flag is read in the same step as the weights are written: a
  participant who turns recommendations off while a worker records their like (the flag set, the
  interests deleted) keeps none of it.

  KEYS[1] the participant's off flag   KEYS[2] their interests zset   KEYS[3] their touched set
  (one participant's keys share a slot)

  ARGV[1] time-to-live of both, seconds   ARGV[2] n, how many touched entries follow
  ARGV[3 .. 2+n] the touched entries (`<campaignId> <candidateId>`)
  then pairs: tag, weight to add

  Returns 1 when weights were written, 0 when none were (off, or none given).
]]
local ttl = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
for i = 3, 2 + n do
  redis.call('SADD', KEYS[3], ARGV[i])
end
if n > 0 then
  redis.call('EXPIRE', KEYS[3], ttl)
end
if #ARGV <= 2 + n or redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
for i = 3 + n, #ARGV - 1, 2 do
  redis.call('ZINCRBY', KEYS[2], ARGV[i + 1], ARGV[i])
end
redis.call('EXPIRE', KEYS[2], ttl)
return 1
