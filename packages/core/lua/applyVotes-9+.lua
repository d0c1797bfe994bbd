--[[
  Applies a batch of accepted votes or likes to one board, each exactly once. This script is the
  unit of atomicity: every marker, score, total and seq change of the batch happens, or none.

  A vote whose id already has a marker changes nothing and is reported as a duplicate with the
  verdict the marker holds, and with the risk assessment kept beside it (+10), so a re-delivered
  job (retry, stall, duplicate add, a worker killed at any point) gets the same answer it got the
  first time, and the ledger record it writes is the same, whatever risk control would decide now.

  Scores are encoded (see src/redis/score.ts): key = seq - count * SPAN, ascending = best first.

  KEYS[1] board meta hash         KEYS[2] board members set     KEYS[3] all-time scores zset
  KEYS[4] all-time total          KEYS[5] board seq             KEYS[6] rebuild fence
  KEYS[7] quota totals hash (voter -> counted votes)
  KEYS[8] member groups hash (member -> group id; see setMemberGroup-5+.lua)
  KEYS[9] periods zset (the total key of each period window a vote created -> its expiry), which
          a move checks for a period it did not list
  then, for each vote in turn, ten keys:
    +1 the vote's marker
    +2 its day's scores zset    +3 its day's total
    +4 its week's scores zset   +5 its week's total
    +6 its month's scores zset  +7 its month's total
    +8 the member's likes set
    +9 the voter's quota hash for the vote's day ('*' -> the day's votes, member -> the member's)
    +10 the risk assessment kept with the vote's marker (a string, as long as the marker lives)
  and, when the vote names a group (ARGV +10), sixteen more: for the all-time window, then the
  vote's day, week and month, four keys each: the group's scores zset and total, the groups'
  scores zset and total

  ARGV[1] seq span (2^SEQ_BITS)   ARGV[2] largest count   ARGV[3] largest seq
  ARGV[4] marker time-to-live, seconds
  ARGV[5] change channel          ARGV[6] board id        ARGV[7] origin (the worker instance)
  then, for vote i, eleven values at 7 + 11(i-1):
    +1 member id  +2 action (vote | like | unlike | retract)  +3 voter id ('' when none)
    +4 day (YYYY-MM-DD)
    +5 +6 +7 when the day's, the week's and the month's keys may expire (unix seconds)
    +8 when the voter's quota hash for the day may expire (unix seconds)
    +9 mode, what risk control decided:
       'n' apply as usual
       'h' hold for review: nothing changes but the quota use; the marker says 'h'
       'x' reject (RISK_REJECTED)
       'a' approve: apply a held vote (marker 'h' or none) without touching quotas again
       'v' void a held vote: marker 'h' (or none) becomes 'r,VOIDED' and its quota use is given back
    +10 the member's group id ('' none), as the caller read it from KEYS[8]: every counted change
       also goes to the group's ranking and to the groups' ranking (a group's score is its total)
    +11 risk control's assessment of a vote it did not accept, as text ('' none): written to key
       +10 with the marker, only when the vote is decided now (never over a first run's)

  A retraction (action 'retract', its own vote id) takes back one counted vote of the member on
  the day given: -1 on a vote board; on a like board, an unlike if the voter's like stands.

  Quotas (vote boards) are the meta fields quotaDay, quotaCandidateDay and quotaTotal; absent
  means no limit. While a board has any, each vote needs a voter and is checked and counted
  against them here, in the same atomic step as its score: a vote past a quota is rejected
  QUOTA_EXCEEDED, whatever ingest's advisory check let through.

  Returns
    { lastSeq, verdicts, duplicates, assessments }
      verdicts[i]   'c,<seq>,<delta>' counted; 'u' unchanged (a like that stood, an unlike
                    that did not); 'h' held; 'r,<REASON>' rejected with an error-catalogue code
      duplicates[i] 1 when the vote had been applied before (nothing changed now), else 0
      assessments[i] for a duplicate, the assessment kept with its marker ('' none: its first
                    run accepted it, or it was decided before assessments were kept); '' otherwise
   -1  the board is not in Redis, or only part of it is (never registered, or its state was
       lost: see rebuild)
   -4  the board is fenced for a rebuild; try again later
   -5  a vote's group is not the member's group (it moved meanwhile): read the groups again
  (negative codes: SCRIPT_CODES in src/redis/scripts.ts)

  The verdict text is also the vote's marker. Its twin in TypeScript is src/redis/vote-marker.ts,
  which reads it (parseVerdict) and writes it again from the ledger (markerOfFields) for a
  rebuild: a change to a verdict's form here must be made there too, and the other way round.
]]
local SPAN = tonumber(ARGV[1])
local MAX_COUNT = tonumber(ARGV[2])
local MAX_SEQ = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])

if redis.call('EXISTS', KEYS[6]) == 1 then
  return -4
end
-- A board without its meta or without its members set has lost state (a restart without
-- persistence, an eviction): deciding votes against what is left would reject real ones.
local meta = redis.call('HMGET', KEYS[1], 'kind', 'quotaDay', 'quotaCandidateDay', 'quotaTotal')
local kind = meta[1]
if not kind or redis.call('EXISTS', KEYS[2]) == 0 then
  return -1
end
local function limit(value)
  if value then
    return tonumber(value)
  end
  return nil
end
local quotaDay, quotaCandidateDay, quotaTotal = limit(meta[2]), limit(meta[3]), limit(meta[4])
local hasQuota = kind == 'vote' and (quotaDay or quotaCandidateDay or quotaTotal) ~= nil

local function used(hash, field)
  return tonumber(redis.call('HGET', hash, field) or '0')
end

-- Adds `n` (1, or -1 to give a held vote's back) to a voter's quota use of the day and of the
-- board's life; a use that grows may keep the day's hash until `expireAt`.
local function useQuota(quota, member, voter, n, expireAt)
  redis.call('HINCRBY', quota, '*', n)
  redis.call('HINCRBY', quota, member, n)
  if expireAt then redis.call('EXPIREAT', quota, expireAt) end
  redis.call('HINCRBY', KEYS[7], voter, n)
end

local function countOf(zkey, member)
  local key = redis.call('ZSCORE', zkey, member)
  if not key then
    return 0
  end
  return -math.floor(tonumber(key) / SPAN)
end

local function setCount(zkey, member, count, seq)
  redis.call('ZADD', zkey, string.format('%.0f', seq - count * SPAN), member)
end

local seq = tonumber(redis.call('GET', KEYS[5]) or '0')
local verdicts = {}
local duplicates = {}
local assessments = {}
local changed = {}
local changedList = {}

local n = (#ARGV - 7) / 11
-- A group is checked before anything changes, so a batch counts into the groups its members are
-- in now, or not at all.
local checked = {}
for i = 1, n do
  local a = 7 + 11 * (i - 1)
  local member = ARGV[a + 1]
  if not checked[member] then
    if (redis.call('HGET', KEYS[8], member) or '') ~= ARGV[a + 10] then
      return -5
    end
    checked[member] = true
  end
end

-- When each period key written may expire: the latest of its votes' expiries, set once at the end
-- (a batch's votes mostly share their period's keys).
local expiries = {}
local newPeriods = {}
local function expireLater(key, at, isNew)
  local current = expiries[key]
  if not current or at > current then expiries[key] = at end
  if isNew then newPeriods[key] = true end
end

local k = 9
for i = 1, n do
  local a = 7 + 11 * (i - 1)
  local marker, likes, quota, assessed = KEYS[k + 1], KEYS[k + 8], KEYS[k + 9], KEYS[k + 10]
  -- The vote's day, week and month: scores key, total key and expiry of each.
  local periods = {
    { KEYS[k + 2], KEYS[k + 3], tonumber(ARGV[a + 5]) },
    { KEYS[k + 4], KEYS[k + 5], tonumber(ARGV[a + 6]) },
    { KEYS[k + 6], KEYS[k + 7], tonumber(ARGV[a + 7]) },
  }
  local group = ARGV[a + 10]
  -- The group's windows, all-time first: its scores and total, the groups' scores and total,
  -- and when they may expire (nil: never).
  local groupWindows = {}
  if group ~= '' then
    for w = 1, 4 do
      local g = k + 10 + 4 * (w - 1)
      local expireAt = nil
      if w > 1 then expireAt = periods[w - 1][3] end
      groupWindows[w] = { KEYS[g + 1], KEYS[g + 2], KEYS[g + 3], KEYS[g + 4], expireAt }
    end
    k = k + 16
  end
  k = k + 10
  local member, action, voter = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local quotaExpireAt = tonumber(ARGV[a + 8])
  local mode = ARGV[a + 9]
  local counts = false

  local previous = redis.call('GET', marker)
  -- A held vote's marker gives way to its approval or its voiding, once.
  if previous and not (previous == 'h' and (mode == 'a' or mode == 'v')) then
    verdicts[i] = previous
    duplicates[i] = 1
    assessments[i] = redis.call('GET', assessed) or ''
    -- A marker kept while its job was a dead letter (keepMarkersOf, with its assessment) lives
    -- again from its replay; one with a time-to-live keeps it (NX).
    redis.call('EXPIRE', marker, ttl, 'NX')
    redis.call('EXPIRE', assessed, ttl, 'NX')
  else
    local verdict
    local delta = 0
    local quotaVote = kind == 'vote' and action == 'vote' and hasQuota and voter ~= ''
    if mode == 'x' then
      verdict = 'r,RISK_REJECTED'
    elseif mode == 'v' then
      verdict = 'r,VOIDED'
      if previous == 'h' and quotaVote then
        useQuota(quota, member, voter, -1)
      end
    elseif redis.call('SISMEMBER', KEYS[2], member) == 0 then
      verdict = 'r,UNKNOWN_MEMBER'
    elseif action == 'retract' then
      if kind == 'vote' then
        delta = -1
      elseif redis.call('SISMEMBER', likes, voter) == 1 then
        delta = -1
      else
        verdict = 'u'
      end
    elseif kind == 'vote' then
      if action ~= 'vote' then
        verdict = 'r,ACTION_NOT_ALLOWED'
      elseif not hasQuota or mode == 'a' then
        delta = 1
      elseif voter == '' then
        verdict = 'r,VOTER_REQUIRED'
      elseif (quotaDay and used(quota, '*') >= quotaDay)
        or (quotaCandidateDay and used(quota, member) >= quotaCandidateDay)
        or (quotaTotal and used(KEYS[7], voter) >= quotaTotal) then
        verdict = 'r,QUOTA_EXCEEDED'
      else
        delta = 1
        counts = true
      end
    elseif action == 'vote' then
      verdict = 'r,ACTION_NOT_ALLOWED'
    elseif voter == '' then
      verdict = 'r,VOTER_REQUIRED'
    else
      local liked = redis.call('SISMEMBER', likes, voter) == 1
      if action == 'like' and not liked then
        delta = 1
      elseif action == 'unlike' and liked then
        delta = -1
      else
        verdict = 'u'
      end
    end

    if mode == 'h' and delta > 0 then
      -- Held: not counted until approved, but it uses the voter's quota now.
      delta = 0
      verdict = 'h'
      if counts then
        useQuota(quota, member, voter, 1, quotaExpireAt)
      end
    end

    if delta ~= 0 then
      local allTime = countOf(KEYS[3], member) + delta
      local overLimit = math.abs(allTime) > MAX_COUNT
      local periodCounts = {}
      for p = 1, 3 do
        periodCounts[p] = countOf(periods[p][1], member) + delta
        overLimit = overLimit or math.abs(periodCounts[p]) > MAX_COUNT
      end
      local groupCounts = {}
      for w = 1, #groupWindows do
        groupCounts[w] = countOf(groupWindows[w][3], group) + delta
        overLimit = overLimit or math.abs(groupCounts[w]) > MAX_COUNT
      end
      if seq + 1 > MAX_SEQ then
        verdict = 'r,BOARD_FULL'
      elseif overLimit then
        verdict = 'r,SCORE_LIMIT'
      else
        seq = seq + 1
        setCount(KEYS[3], member, allTime, seq)
        redis.call('INCRBY', KEYS[4], delta)
        for p = 1, 3 do
          local scores, total, expireAt = periods[p][1], periods[p][2], periods[p][3]
          setCount(scores, member, periodCounts[p], seq)
          -- A total that was 0 (a period's first count): the period joins the periods zset.
          if redis.call('INCRBY', total, delta) == delta then expireLater(total, expireAt, true) end
          expireLater(scores, expireAt)
          expireLater(total, expireAt)
        end
        for w = 1, #groupWindows do
          local gw = groupWindows[w]
          local count = allTime
          if w > 1 then count = periodCounts[w - 1] end
          setCount(gw[1], member, count, seq)
          redis.call('INCRBY', gw[2], delta)
          setCount(gw[3], group, groupCounts[w], seq)
          redis.call('INCRBY', gw[4], delta)
          if gw[5] then
            for j = 1, 4 do expireLater(gw[j], gw[5]) end
          end
        end
        if delta > 0 then
          if kind == 'like' then redis.call('SADD', likes, voter) end
        else
          redis.call('SREM', likes, voter)
        end
        if counts then
          useQuota(quota, member, voter, 1, quotaExpireAt)
        end
        verdict = 'c,' .. seq .. ',' .. delta
        if not changed[member] then
          changed[member] = true
          changedList[#changedList + 1] = member
        end
      end
    end

    redis.call('SET', marker, verdict, 'EX', ttl)
    -- Kept with the marker, in the same step and for as long: a re-delivered vote answers both.
    if ARGV[a + 11] ~= '' then redis.call('SET', assessed, ARGV[a + 11], 'EX', ttl) end
    verdicts[i] = verdict
    duplicates[i] = 0
    assessments[i] = ''
  end
end

-- Only ever later: a late vote (a retry, a replayed dead letter) applied after a later one of the
-- same period must not bring its keys' expiry forward (EXPIRETIME: -1 none yet, -2 no key).
for key, at in pairs(expiries) do
  local current = redis.call('EXPIRETIME', key)
  if current < 0 or at > current then redis.call('EXPIREAT', key, at) end
  if newPeriods[key] then redis.call('ZADD', KEYS[9], 'GT', at, key) end
end

if #changedList > 0 then
  redis.call('SET', KEYS[5], seq)
  redis.call('PUBLISH', ARGV[5], cjson.encode({
    boardId = ARGV[6],
    seq = seq,
    members = changedList,
    origin = ARGV[7],
  }))
end

return { seq, verdicts, duplicates, assessments }
