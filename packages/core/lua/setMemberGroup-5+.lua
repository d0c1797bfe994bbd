--[[
  Moves one member from its group to another (or into its first group, or out of any), in every
  window at once, so the group boards stay what the member windows say they are: a group's
  ranking holds its members' own scores, and the groups' ranking holds each group's total.

  The member takes its counts with it: its votes count for the group it is in now, in every
  window Redis holds, as a rebuild from the ledger would count them. The apply script checks a
  vote's group against the hash this script writes, so no vote counts into a group the member
  has just left.

  A period's group keys expire with their own latest vote or move, often before the board's
  window of the period does (a group's last vote came earlier than the board's). A move never
  makes such a key again: it changes a group's ranking of a period only where the ranking still
  is, and makes one only for a group with no entry in the period (none of its other members has
  one in the board's window; for the groups' ranking, no other grouped member, and not this
  one); what it makes or adds to lives at least as long as the board's window. So a ranking is
  either all its members' entries or gone, never this member alone or a negative total that
  never expires.

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

-- The latest seq among the entries `ids` have in the sorted set `zkey`, and whether they have
-- any: ZMSCORE a chunk at a time (unpack's stack is limited).
local function latestOf(zkey, ids)
  local latest, any = 0, false
  for i = 1, #ids, 500 do
    local chunk = {}
    for j = i, math.min(i + 499, #ids) do chunk[#chunk + 1] = ids[j] end
    for _, found in ipairs(redis.call('ZMSCORE', zkey, unpack(chunk))) do
      if found then
        any = true
        local _, seq = decode(tonumber(found))
        if seq > latest then latest = seq end
      end
    end
  end
  return latest, any
end

local function hasEntries(zkey, ids)
  local _, any = latestOf(zkey, ids)
  return any
end

-- Read once, and only if a window needs them: the old group's members left, the new group's
-- other members, and every other grouped member of the board.
local lists = {}
local function othersIn(name, key, hash)
  if not lists[name] then
    local ids = {}
    local all = hash and redis.call('HKEYS', key) or redis.call('SMEMBERS', key)
    for _, id in ipairs(all) do
      if id ~= member then ids[#ids + 1] = id end
    end
    lists[name] = ids
  end
  return lists[name]
end

-- Adds `delta` to a group's count in the groups' ranking; its tie-break seq is the latest of its
-- own and `seq` (a group reached its count when its latest member did).
local function addToGroup(zkey, group, delta, seq)
  local count, last = decode(tonumber(redis.call('ZSCORE', zkey, group) or '0'))
  if seq > last then last = seq end
  redis.call('ZADD', zkey, string.format('%.0f', last - (count + delta) * SPAN), group)
end

-- A period key the move writes lives at least as long as the board's window of the period, and
-- never less than it did (PEXPIRETIME: -1 no expiry, -2 no key).
local function expireWith(source, key)
  local at = redis.call('PEXPIRETIME', source)
  if at < 0 then return end
  local current = redis.call('PEXPIRETIME', key)
  if current == -1 or current >= 0 and current < at then redis.call('PEXPIREAT', key, at) end
end

local windows = (#KEYS - 5) / 8
for w = 1, windows do
  local b = 5 + 8 * (w - 1)
  local scores, oldScores, oldTotal = KEYS[b + 1], KEYS[b + 2], KEYS[b + 3]
  local newScores, newTotal, groups, groupsTotal = KEYS[b + 4], KEYS[b + 5], KEYS[b + 6], KEYS[b + 7]
  -- A period's group keys expire with their own latest vote (or move), often before the board's
  -- (applyVotes-9+.lua): one that is gone is left gone, never made again with this member alone
  -- in it, nor with a negative total and no expiry.
  local period = w > 1
  local groupsLive = redis.call('EXISTS', groups, groupsTotal) > 0
  local groupsWritten = false
  local key = redis.call('ZSCORE', scores, member)
  if key then
    local count, seq = decode(tonumber(key))
    if from ~= '' then
      -- Out of the old group's ranking, where it still is.
      if redis.call('ZREM', oldScores, member) == 1 then
        redis.call('INCRBY', oldTotal, 0 - count)
        -- No member of the old group left in this period: its total goes too, as a rebuild from
        -- the ledger would leave the group out of the period.
        if period and redis.call('EXISTS', oldScores) == 0 then redis.call('DEL', oldTotal) end
      end
      -- The old group reached its count when its latest remaining member did: its tie-break is
      -- theirs, as a rebuild from the ledger would give it (a walk of one group, for a rare
      -- move). The board's window has their entries even when the group's own has expired.
      local groupKey = redis.call('ZSCORE', groups, from)
      if groupKey then
        local groupCount = decode(tonumber(groupKey))
        local latest, rest = latestOf(scores, fromEmpty and {} or othersIn('old', KEYS[3]))
        if fromEmpty or (period and not rest) then
          redis.call('ZREM', groups, from)
        else
          redis.call('ZADD', groups, string.format('%.0f', latest - (groupCount - count) * SPAN), from)
        end
        redis.call('INCRBY', groupsTotal, 0 - count)
        groupsWritten = true
      end
    end
    if to ~= '' then
      -- A period's ranking of the new group is made only if the group has nothing in the period:
      -- gone although another member of the group has an entry in the board's window, it expired.
      local expired = period
        and redis.call('EXISTS', newScores, newTotal) == 0
        and hasEntries(scores, othersIn('new', KEYS[4]))
      if not expired then
        redis.call('ZADD', newScores, key, member)
        redis.call('INCRBY', newTotal, count)
        if period then
          expireWith(scores, newScores)
          expireWith(scores, newTotal)
        end
      end
      -- The groups' ranking likewise: gone although this member was in a group, or although
      -- another grouped member has an entry in the board's window, it expired.
      expired = period
        and not groupsLive
        and (from ~= '' or hasEntries(scores, othersIn('grouped', KEYS[1], true)))
      if not expired then
        addToGroup(groups, to, count, seq)
        redis.call('INCRBY', groupsTotal, count)
        groupsWritten = true
      end
    end
    if period and groupsWritten then
      expireWith(scores, groups)
      expireWith(scores, groupsTotal)
    end
  end
  if fromEmpty then
    redis.call('ZREM', groups, from)
    redis.call('DEL', oldScores, oldTotal)
  end
end
return 1
