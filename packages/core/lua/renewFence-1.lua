--[[
  Renews or holds a rebuild's fence, only if this rebuild still holds it (another rebuild may
  have taken the board over, or the install lifted the fence).

  A fence has an expiry while its rebuild has changed nothing of the board: a rebuild that dies
  then frees an intact board by itself. Before the rebuild rewrites anything (or from the start,
  when Redis had lost the board) the fence is held: no expiry from then on, so neither a failure
  nor the death of the rebuild lets a vote apply onto a half-restored board. Only an install
  lifts a held fence (installBoard-7+.lua); a renewal never gives it an expiry again.

  KEYS[1] the board's rebuild fence
  ARGV[1] the rebuild's token
  ARGV[2] the new time-to-live in milliseconds, or `hold`: no expiry from now on

  Returns 1 when this token holds the fence (renewed, or held), 0 when it does not.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] == 'hold' then
  redis.call('PERSIST', KEYS[1])
elseif redis.call('PTTL', KEYS[1]) ~= -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
