--[[
  Moves one member from its group to another (or into its first group, or out of any), in every
  window at once, so the group boards stay what the member windows say they are: a group's
  ranking holds its members' own scores, and the groups' ranking holds each group's total.

  The member takes its counts with it: its votes count for the group it is in now, in every
  window Redis holds, as a rebuild from the ledger would count them. The apply script checks a
  vote's group against the hash this script writes, so no vote counts into a group the member
  has just left.

  KEYS[1] member groups hash (member -> group id)     KEYS[2] groups' members set (group ids)
  KEYS[3] the old group's members set                 KEYS[4] the new group's members set
  KEYS[5] the board's periods zset (period total key -> expiry; see applyVotes-9+.lua)
  then, for window w (the all-time window first, then each period Redis holds), eight keys at
  5 + 8(w-1):
    +1 the board's scores zset of the window
    +2 the old group's scores zset   +3 its total
    +4 the new group's scores zset   +5 its total
    +6 the groups' scores zset       +7 the groups' total
    +8 the board's total of the window

  ARGV[1] member id   ARGV[2] its current group id ('' none), as the caller read it
  ARGV[3] its new group id ('' none)   ARGV[4] seq span (2^SEQ_BITS)

  Returns 1 moved, 0 already there, or
   -5  the member's group is no longer ARGV[2] (a concurrent move): read it again
   -6  a vote created a period the caller did not list (after it listed them): list them again,
       or the member's counts in that period would stay in its old group
  (negative codes: SCRIPT_CODES in src/redis/scripts.ts)
]]
local member, from, to = ARGV[1], ARGV[2], ARGV[3]
local SPAN = tonumber(ARGV[4])

if (redis.call('HGET', KEYS[1], member) or '') ~= from then
  return -5
end
if from == to then
  return 0
end

-- Every live period must be among the windows given. Expired ones leave the zset here.
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
local given = {}
for b = 5, #KEYS - 8, 8 do given[KEYS[b + 8]] = true end
for _, total in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
  if not given[total] then return -6 end
end

if to == '' then
  redis.call('HDEL', KEYS[1], member)
else
  redis.call('HSET', KEYS[1], member, to)
  redis.call('SADD', KEYS[4], member)
  redis.call('SADD', KEYS[2], to)
end
local fromEmpty = false
if from ~= '' then
  redis.call('SREM', KEYS[3], member)
  fromEmpty = redis.call('SCARD', KEYS[3]) == 0
  if fromEmpty then redis.call('SREM', KEYS[2], from) end
end

local function decode(key)
  -- 0 - x, not -x: -0 would reach Redis as '-0', which INCRBY refuses.
  local count = 0 - math.floor(key / SPAN)
  return count, key + count * SPAN
end

-- Adds `delta` to a group's count in the groups' ranking; its tie-break seq is the latest of its
-- own and `seq` (a group reached its count when its latest member did).
local function addToGroup(zkey, group, delta, seq)
  local count, last = decode(tonumber(redis.call('ZSCORE', zkey, group) or '0'))
  if seq > last then last = seq end
  redis.call('ZADD', zkey, string.format('%.0f', last - (count + delta) * SPAN), group)
end

-- A period's new keys live as long as the period's own.
local function expireLike(source, key)
  local ttl = redis.call('PTTL', source)
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
end

local windows = (#KEYS - 5) / 8
for w = 1, windows do
  local b = 5 + 8 * (w - 1)
  local scores, oldScores, oldTotal = KEYS[b + 1], KEYS[b + 2], KEYS[b + 3]
  local newScores, newTotal, groups, groupsTotal = KEYS[b + 4], KEYS[b + 5], KEYS[b + 6], KEYS[b + 7]
  local key = redis.call('ZSCORE', scores, member)
  if key then
    local count, seq = decode(tonumber(key))
    if from ~= '' and not fromEmpty then
      redis.call('ZREM', oldScores, member)
      redis.call('INCRBY', oldTotal, 0 - count)
      -- The old group reached its count when its latest remaining member did: its tie-break is
      -- theirs, as a rebuild from the ledger would give it (a walk of one group, for a rare move).
      local latest = 0
      local rest = redis.call('ZRANGE', oldScores, 0, -1, 'WITHSCORES')
      for i = 2, #rest, 2 do
        local _, memberSeq = decode(tonumber(rest[i]))
        if memberSeq > latest then latest = memberSeq end
      end
      local groupCount = decode(tonumber(redis.call('ZSCORE', groups, from) or '0'))
      if #rest == 0 and w > 1 then
        -- No member of the old group left in this period: it leaves the period's ranking, as a
        -- rebuild from the ledger would leave it out.
        redis.call('ZREM', groups, from)
        redis.call('DEL', oldTotal)
      else
        redis.call('ZADD', groups, string.format('%.0f', latest - (groupCount - count) * SPAN), from)
      end
      redis.call('INCRBY', groupsTotal, 0 - count)
    elseif fromEmpty then
      redis.call('INCRBY', groupsTotal, 0 - count)
    end
    if to ~= '' then
      redis.call('ZADD', newScores, key, member)
      redis.call('INCRBY', newTotal, count)
      addToGroup(groups, to, count, seq)
      redis.call('INCRBY', groupsTotal, count)
      if w > 1 then
        for _, k in ipairs({ newScores, newTotal, groups, groupsTotal }) do expireLike(scores, k) end
      end
    end
  end
  if fromEmpty then
    redis.call('ZREM', groups, from)
    redis.call('DEL', oldScores, oldTotal)
  end
end
return 1
