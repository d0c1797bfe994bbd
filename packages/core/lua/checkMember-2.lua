--[[
  Ingest's fast check that a board exists and has a candidate. Advisory only: the worker checks
  again atomically when it applies the vote (applyVote-5.lua).

  KEYS[1] board meta hash
  KEYS[2] board members set

  ARGV[1] candidate id

  Returns
    1   the board exists and has the candidate
   -1   board not found
   -2   unknown member
]]
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  return 1
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
return -2
