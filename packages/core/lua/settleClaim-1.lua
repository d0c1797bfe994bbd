--[[
  Settles a claim only if this claimer still holds it: a claim that outlived its hold and was
  taken by another request must not be freed or overwritten by the first one (server/src/http/
  idempotent.ts: a create sent with an Idempotency-Key).

  KEYS[1] the claimed key
  ARGV[1] the claim's value, as this claimer wrote it
  ARGV[2] what it becomes: '' to free the key, or the value to keep
  ARGV[3] the kept value's time-to-live, seconds

  Returns 1 when settled, 0 when the key was not (or no longer) this claimer's.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
end
return 1
