--[[
  Measures a batch of votes of one board for risk control, and records each in the sliding
  windows the next votes are measured against. Deterministic: each vote is measured from the
  votes recorded before it, at its own acceptance time; and a vote measured before (a re-delivered
  job) gets back the measurements stored then, without being recorded twice.

  Windows are sliding counts (a fixed window and the one before it, weighted), minute buckets (a
  candidate's rates) or sorted sets of voters scored by their last time (accounts).

  KEYS[1] votes per /16 hash     KEYS[2] votes per /24 zset    KEYS[3] votes per IP zset
  KEYS[4] accounts per device zset (largest count seen)         KEYS[5] same per fingerprint
  then, for vote i, twenty keys at 5 + 20(i-1):
    +1 the stored measurements   +2 the voter's hash (first vote, times, device, /24, ring depth)
    +3 device accounts zset      +4 device votes                 +5 fingerprint accounts zset
    +6 IP accounts zset          +7 IP votes                     +8 subnet accounts zset
    +9 subnet votes              +10 IP+candidate accounts zset  +11 subnet+candidate accounts zset
    +12 the candidate's buckets  +13 the inviter's hash          +14 the inviter's shared invitees
    +15 fingerprint votes        +16 the candidate's voters zset
    +17 IP+candidate suspects zset   +18 subnet+candidate suspects zset
    +19 the candidate's latest votes list  +20 the inviter's invitees zset

  ARGV[1] short window ms   ARGV[2] long window ms   ARGV[3] spike window ms
  ARGV[4] baseline ms       ARGV[5] new-account ms   ARGV[6] time-to-live of stored measurements, s
  ARGV[7] a wave's tap, ms        ARGV[8] the fast-tap threshold, ms (half of it: a new account's own evidence)
  then, for vote i, eleven values at 8 + 11(i-1):
    +1 voter id   +2 accepted at (ms)   +3 device id ('' none)   +4 fingerprint ('' none)
    +5 IP   +6 /24 or /64   +7 /16 or /32   +8 candidate   +9 inviter ('' none)
    +10 dwell ms (-1 none)  +11 WeChat risk rank (-1 unknown)

  Returns the measurements of each vote, as JSON (see riskFeaturesSchema).
]]
local SHORT, LONG = tonumber(ARGV[1]), tonumber(ARGV[2])
local SPIKE, BASELINE, NEW = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
local WAVE_TAP = tonumber(ARGV[7])
local FAST_TAP = tonumber(ARGV[8])
-- How many of a candidate's latest votes are kept to compare a vote with (synchrony, dwell).
local RECENT_KEPT = 150
-- Two dwell times are twins within this ratio: humans spread far wider, an emulator's script does not.
local TWIN_RATIO = 1.05
-- A second of a candidate's votes is bunched with at least this many, this many times the pace before.
local BUNCH_MIN, BUNCH_RATIO = 10, 4
-- Day dwell buckets are 10% wide (log base 1.1).
local LOG_BUCKET = math.log(1.1)
local MINUTE = 60000
local shortMinutes = math.floor(SHORT / MINUTE)
local spikeMinutes = math.floor(SPIKE / MINUTE)
local baselineMinutes = math.floor(BASELINE / MINUTE)

-- Adds the voter to an accounts window and answers how many accounts it holds. Two calls when
-- the voter was there already; older members are pruned, and the key's life extended, only when
-- a new one comes (a window nobody new joins expires two windows after the last newcomer).
local function accounts(key, t, voter, window)
  if redis.call('ZADD', key, t, voter) == 1 then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (t - window))
    redis.call('PEXPIRE', key, 2 * window)
  end
  return redis.call('ZCOUNT', key, t - window, '+inf')
end

-- Counts a vote in a sliding short window and answers its votes: the current fixed window's
-- count plus the previous one's, weighted by how much of it the sliding window still covers
-- (fields w: window number, c: its count, p: the previous window's). Two calls.
local function votes(key, t)
  local w = math.floor(t / SHORT)
  local got = redis.call('HMGET', key, 'w', 'c', 'p')
  local sw, c, p = tonumber(got[1]), tonumber(got[2]) or 0, tonumber(got[3]) or 0
  if sw == w then
    c = c + 1
  elseif sw == w - 1 then
    p, c = c, 1
  elseif sw == nil or sw < w then
    p, c = 0, 1
  else
    -- A vote older than the window the key is at (jobs can arrive out of order): count it now.
    c = c + 1
  end
  if sw ~= w and (sw == nil or sw < w) then
    redis.call('HSET', key, 'w', w, 'c', c, 'p', p)
    redis.call('PEXPIRE', key, 2 * SHORT)
  else
    redis.call('HSET', key, 'c', c)
  end
  local covered = 1 - (t - w * SHORT) / SHORT
  return math.floor(p * covered + c + 0.5)
end

local results = {}
local n = (#KEYS - 5) / 20
for i = 1, n do
  local k = 5 + 20 * (i - 1)
  local a = 8 + 11 * (i - 1)
  local stored = redis.call('GET', KEYS[k + 1])
  if stored then
    results[i] = stored
  else
    local voter, t = ARGV[a + 1], tonumber(ARGV[a + 2])
    local device, fingerprint, ip = ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
    local net24, net16, candidate, inviter = ARGV[a + 6], ARGV[a + 7], ARGV[a + 8], ARGV[a + 9]
    local dwell, rank = tonumber(ARGV[a + 10]), tonumber(ARGV[a + 11])
    local minute = math.floor(t / MINUTE)
    local f = {}

    -- The voter (one hash): first vote, recent times, interval regularity.
    local voterHash = KEYS[k + 2]
    local mine = redis.call('HMGET', voterHash, 'first', 'times', 'sw')
    local first = tonumber(mine[1]) or t
    f.accountAgeMs = math.max(0, t - first)
    local sorted = { t }
    if mine[2] then
      for x in string.gmatch(mine[2], '[^,]+') do
        if #sorted < 20 then sorted[#sorted + 1] = tonumber(x) end
      end
    end
    table.sort(sorted, function(x, y) return x > y end)
    local inWindow = 0
    for _, x in ipairs(sorted) do
      if x > t - SHORT and x <= t then inWindow = inWindow + 1 end
    end
    f.voterVotes = inWindow
    local intervals = {}
    for j = 1, math.min(#sorted - 1, 8) do
      intervals[#intervals + 1] = sorted[j] - sorted[j + 1]
    end
    f.voterIntervals = #intervals
    if #intervals >= 4 then
      local sum = 0
      for _, d in ipairs(intervals) do sum = sum + d end
      local mean = sum / #intervals
      local sq = 0
      for _, d in ipairs(intervals) do sq = sq + (d - mean) * (d - mean) end
      if mean > 0 then
        f.voterIntervalCv = math.floor(math.sqrt(sq / #intervals) / mean * 10000 + 0.5) / 10000
      else
        f.voterIntervalCv = 0
      end
    else
      f.voterIntervalCv = cjson.null
    end
    local times = {}
    for j = 1, math.min(#sorted, 20) do times[j] = string.format('%d', sorted[j]) end

    if dwell >= 0 then f.dwellMs = dwell else f.dwellMs = cjson.null end

    -- Devices and networks.
    if device ~= '' then
      f.deviceAccounts = accounts(KEYS[k + 3], t, voter, LONG)
      f.deviceVotes = votes(KEYS[k + 4], t)
      if f.deviceAccounts > 1 then redis.call('ZADD', KEYS[4], 'GT', f.deviceAccounts, device) end
    else
      f.deviceAccounts = cjson.null
      f.deviceVotes = cjson.null
    end
    if fingerprint ~= '' then
      f.fingerprintAccounts = accounts(KEYS[k + 5], t, voter, SHORT)
      f.fingerprintVotes = votes(KEYS[k + 15], t)
      if f.fingerprintAccounts > 1 then redis.call('ZADD', KEYS[5], 'GT', f.fingerprintAccounts, fingerprint) end
    else
      f.fingerprintAccounts = cjson.null
      f.fingerprintVotes = cjson.null
    end
    f.ipAccounts = accounts(KEYS[k + 6], t, voter, SHORT)
    f.ipVotes = votes(KEYS[k + 7], t)
    f.subnetAccounts = accounts(KEYS[k + 8], t, voter, SHORT)
    f.subnetVotes = votes(KEYS[k + 9], t)
    f.ipCandidateAccounts = accounts(KEYS[k + 10], t, voter, SHORT)
    -- A network block's accounts for a candidate over the day: a farm spread over hours is still one.
    f.subnetCandidateAccounts = accounts(KEYS[k + 11], t, voter, LONG)
    -- A new account's own evidence: a tap faster than reading (half the fast-tap threshold: a
    -- quick human is fast, not that fast), WeChat's doubt, a shared phone.
    -- A network's accounts for a candidate are counted again among those with such evidence, so
    -- a crowd (many accounts, few with evidence) is told from a farm, and a framer's accounts
    -- never make an honest neighbour's vote suspect.
    local isNewHere = f.accountAgeMs == 0
    f.ownEvidence = isNewHere and ((dwell >= 0 and dwell <= FAST_TAP / 2) or dwell < 0 or rank >= 2
      or (f.deviceAccounts ~= cjson.null and f.deviceAccounts >= 2))
    if f.ownEvidence then
      f.ipCandidateSuspects = accounts(KEYS[k + 17], t, voter, SHORT)
      f.subnetCandidateSuspects = accounts(KEYS[k + 18], t, voter, LONG)
    elseif f.subnetCandidateAccounts >= 2 then
      f.ipCandidateSuspects = redis.call('ZCOUNT', KEYS[k + 17], t - SHORT, '+inf')
      f.subnetCandidateSuspects = redis.call('ZCOUNT', KEYS[k + 18], t - LONG, '+inf')
    else
      f.ipCandidateSuspects = 0
      f.subnetCandidateSuspects = 0
    end
    redis.call('HINCRBY', KEYS[1], net16, 1)
    redis.call('ZINCRBY', KEYS[2], 1, net24)
    redis.call('ZINCRBY', KEYS[3], 1, ip)

    -- The candidate: recent rate against its baseline, and how many of its voters are new.
    local cand = KEYS[k + 12]
    local isNew = f.accountAgeMs <= NEW
    local isWave = f.accountAgeMs == 0 and dwell < WAVE_TAP
    if redis.call('HINCRBY', cand, 'v:' .. minute, 1) == 1 then
      -- The minute's first vote: drop the day-old minute and keep the hash a day past its last vote.
      local old = minute - 1440
      redis.call('HDEL', cand, 'v:' .. old, 'n:' .. old, 'w:' .. old, 'r:' .. old)
      redis.call('PEXPIRE', cand, LONG)
    end
    if isNew then redis.call('HINCRBY', cand, 'n:' .. minute, 1) end
    -- A new account WeChat rates 2 or more: a bought cohort has many, real newcomers a few in a hundred.
    local isRiskyNew = f.accountAgeMs == 0 and rank >= 2
    if isRiskyNew then redis.call('HINCRBY', cand, 'r:' .. minute, 1) end
    -- Over the day (the hash's life): its first votes, those WeChat doubts, and their dwell
    -- times in 10% buckets, so a cohort spread over hours is still seen whole.
    local bucket = (f.accountAgeMs == 0 and dwell > 0) and math.floor(math.log(dwell) / LOG_BUCKET) or nil
    if f.accountAgeMs == 0 then
      redis.call('HINCRBY', cand, 'tn', 1)
      if isRiskyNew then redis.call('HINCRBY', cand, 'tr', 1) end
      if bucket then redis.call('HINCRBY', cand, 'd:' .. bucket, 1) end
    end
    if isWave then redis.call('HINCRBY', cand, 'w:' .. minute, 1) end
    local fields = { 'first' }
    local span = spikeMinutes + baselineMinutes
    for m = minute - span + 1, minute do fields[#fields + 1] = 'v:' .. m end
    for m = minute - shortMinutes + 1, minute do fields[#fields + 1] = 'n:' .. m end
    for m = minute - spikeMinutes + 1, minute do fields[#fields + 1] = 'w:' .. m end
    local riskyFrom = #fields + 1
    for m = minute - shortMinutes + 1, minute do fields[#fields + 1] = 'r:' .. m end
    local dayFrom = #fields + 1
    fields[#fields + 1] = 'tn'
    fields[#fields + 1] = 'tr'
    -- This dwell's bucket and the two beside it (about 30% around it), then the buckets 3 and 4
    -- away on either side: how dense first votes are around it, whatever the usual dwell is.
    local b = bucket or 0
    for _, d in ipairs({ -1, 0, 1, -4, -3, 3, 4 }) do fields[#fields + 1] = 'd:' .. (b + d) end
    local got = redis.call('HMGET', cand, unpack(fields))
    local candidateFirst = tonumber(got[1])
    if not candidateFirst then
      candidateFirst = t
      redis.call('HSET', cand, 'first', t)
    end
    f.candidateAgeMs = math.max(0, t - candidateFirst)
    local recentVotes, baselineVotes, shortVotes, shortNew, recentWave = 0, 0, 0, 0, 0
    for j = 1, span do
      local v = tonumber(got[j + 1]) or 0
      if j > baselineMinutes then recentVotes = recentVotes + v else baselineVotes = baselineVotes + v end
      if j > span - shortMinutes then shortVotes = shortVotes + v end
    end
    for j = span + 2, span + 1 + shortMinutes do shortNew = shortNew + (tonumber(got[j]) or 0) end
    for j = span + 2 + shortMinutes, riskyFrom - 1 do recentWave = recentWave + (tonumber(got[j]) or 0) end
    local riskyNew = 0
    for j = riskyFrom, dayFrom - 1 do riskyNew = riskyNew + (tonumber(got[j]) or 0) end
    f.candidateDayNew = tonumber(got[dayFrom]) or 0
    f.candidateDayRiskyNew = tonumber(got[dayFrom + 1]) or 0
    f.dayDwellTwins = 0
    f.dayDwellAround = 0
    if bucket then
      for j = dayFrom + 2, dayFrom + 4 do f.dayDwellTwins = f.dayDwellTwins + (tonumber(got[j]) or 0) end
      for j = dayFrom + 5, dayFrom + 8 do f.dayDwellAround = f.dayDwellAround + (tonumber(got[j]) or 0) end
    end
    f.candidateRiskyNew = riskyNew
    if shortNew > 0 then
      f.candidateRiskyNewShare = math.floor(riskyNew / shortNew * 1000 + 0.5) / 1000
    else
      f.candidateRiskyNewShare = 0
    end
    f.candidateRecent = recentVotes
    f.candidateBaseline = math.floor(baselineVotes / (baselineMinutes / spikeMinutes) * 1000 + 0.5) / 1000
    f.candidateVotes = shortVotes
    f.candidateVoters = accounts(KEYS[k + 16], t, voter, SHORT)
    if shortVotes > 0 then
      f.candidateNewShare = math.floor(shortNew / shortVotes * 1000 + 0.5) / 1000
    else
      f.candidateNewShare = 0
    end
    f.candidateWaveVotes = recentWave
    if recentVotes > 0 then
      f.candidateWaveShare = math.floor(recentWave / recentVotes * 1000 + 0.5) / 1000
    else
      f.candidateWaveShare = 0
    end

    -- The vote against the candidate's latest votes (newest first, `<time>:<dwell>:<1 if first>`):
    -- how many came in the same second and in the five seconds before it (lockstep: a script
    -- starts its accounts together, a crowd keeps coming), and for a first vote how many first
    -- votes in the spike window tapped within TWIN_RATIO of its dwell (an emulator's tight dwell).
    local recentList = KEYS[k + 19]
    local latest = redis.call('LRANGE', recentList, 0, RECENT_KEPT - 1)
    local synced, before, recentFirst = 1, 0, isNewHere and 1 or 0
    local twins = (isNewHere and dwell >= 0) and 1 or 0
    for _, entry in ipairs(latest) do
      local a1 = string.find(entry, ':', 1, true)
      local a2 = string.find(entry, ':', a1 + 1, true)
      local et = tonumber(string.sub(entry, 1, a1 - 1))
      if et <= t - SPIKE then break end
      if et <= t then
        if et > t - 1000 then
          synced = synced + 1
        elseif et > t - 6000 then
          before = before + 1
        end
        if isNewHere and string.sub(entry, a2 + 1) == '1' then
          recentFirst = recentFirst + 1
          local ed = tonumber(string.sub(entry, a1 + 1, a2 - 1))
          if dwell >= 0 and ed >= 0 and ed * TWIN_RATIO >= dwell and dwell * TWIN_RATIO >= ed then
            twins = twins + 1
          end
        end
      end
    end
    f.syncedVotes, f.votesBefore = synced, before
    -- A bunched second: BUNCH_MIN votes or more, BUNCH_RATIO times the pace of the 5 s before.
    -- The voter's earlier votes in bunched seconds: a script's accounts come back wave after
    -- wave; a crowd answering a call bunches once.
    f.bunched = synced >= BUNCH_MIN and synced >= BUNCH_RATIO * math.max(before / 5, 1)
    f.voterWaves = tonumber(mine[3]) or 0
    f.recentFirstVotes, f.dwellTwins = recentFirst, twins
    redis.call('LPUSH', recentList, string.format('%d:%d:%d', t, dwell, isNewHere and 1 or 0))
    redis.call('LTRIM', recentList, 0, RECENT_KEPT - 1)
    redis.call('PEXPIRE', recentList, SPIKE)

    -- Referrals: does the voter share a device with whoever brought them?
    f.sharesWithInviter = false
    f.ringDepth = 0
    f.inviterSharedInvitees = 0
    f.inviterInvitees = 0
    local ring = nil
    if inviter ~= '' and inviter ~= voter then
      f.inviterId = inviter
      f.inviterInvitees = accounts(KEYS[k + 20], t, voter, SHORT)
      local inv = redis.call('HMGET', KEYS[k + 13], 'd', 'ring', 's')
      -- The same phone is coordination; the same /24 alone is a campus, an office or a home,
      -- unless the invitee's phone carries another account too.
      local sharedPhone = f.deviceAccounts ~= cjson.null and f.deviceAccounts >= 2
      local shares = (device ~= '' and inv[1] == device) or (inv[3] == net24 and sharedPhone)
      if shares then
        f.sharesWithInviter = true
        f.ringDepth = (tonumber(inv[2]) or 0) + 1
        ring = f.ringDepth
        f.inviterSharedInvitees = accounts(KEYS[k + 14], t, voter, LONG)
      else
        f.inviterSharedInvitees = redis.call('ZCARD', KEYS[k + 14])
      end
    else
      f.inviterId = cjson.null
    end

    -- The voter's hash, in one write.
    local update = { 'times', table.concat(times, ','), 's', net24 }
    if f.bunched then
      update[#update + 1] = 'sw'
      update[#update + 1] = f.voterWaves + 1
    end
    if not mine[1] then
      update[#update + 1] = 'first'
      update[#update + 1] = t
    end
    if device ~= '' then
      update[#update + 1] = 'd'
      update[#update + 1] = device
    end
    if ring then
      update[#update + 1] = 'ring'
      update[#update + 1] = ring
    end
    redis.call('HSET', voterHash, unpack(update))
    if not mine[1] then redis.call('PEXPIRE', voterHash, LONG * 30) end

    if rank >= 0 then f.wechatRiskRank = rank else f.wechatRiskRank = cjson.null end

    local encoded = cjson.encode(f)
    redis.call('SET', KEYS[k + 1], encoded, 'EX', ttl)
    results[i] = encoded
  end
end
return results
