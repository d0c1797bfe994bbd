--[[
  Takes back the marks a rewards pass worked from. The entry goes only when no mark came in
  meanwhile: a later mark stands for a vote the pass may not have seen, and keeps it.

  KEYS[1] the marks (a hash: `<campaignId> <participantId>` → marks)
  ARGV[1] the field
  ARGV[2] the marks the pass read

  Returns the marks left.
]]
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[2]))
if left <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return left
