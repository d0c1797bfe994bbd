--[[
  Measures a batch of votes of one board for risk control, and records each in the sliding
  windows the next votes are measured against. Deterministic: each vote is measured from the
  votes recorded before it, at its own acceptance time; and a vote measured before (a re-delivered
  job) gets back the measurements stored then, without being recorded twice.

  Windows are minute buckets (a candidate's rates), one-second slots (its last seconds) or
  sorted sets of voters scored by their last time (accounts).

  KEYS[1] votes per /16 hash     KEYS[2] votes per /24 zset    KEYS[3] votes per IP zset
  KEYS[4] accounts per device zset (largest count seen)         KEYS[5] same per fingerprint
  then, for vote i, eighteen keys at 5 + 18(i-1):
    +1 the stored measurements   +2 the voter's hash (first vote, times, device, /24, ring depth and inviter,
                                    bunched waves and the second the last began)
    +3 device accounts zset      +4 fingerprint accounts zset    +5 IP accounts zset
    +6 subnet accounts zset      +7 IP+candidate accounts zset   +8 subnet+candidate accounts zset
    +9 the candidate's buckets   +10 the inviter's hash          +11 the inviter's shared invitees
    +12 the candidate's voters zset
    +13 IP+candidate suspects zset   +14 subnet+candidate suspects zset
    +15 the candidate's first votes list   +16 the inviter's invitees zset
    +17 the candidate's votes per second (a ring of eight slots)
    +18 the inviter's invitees with evidence of their own zset

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
-- How many of a candidate's latest first votes are kept to compare a first vote with (dwell).
local FIRSTS_KEPT = 150
-- Two dwell times are twins within this ratio: humans spread far wider, an emulator's script does not.
local TWIN_RATIO = 1.05
-- Two seconds of a candidate's votes are bunched with at least this many, this many times the pace before.
local BUNCH_MIN, BUNCH_RATIO = 10, 4
-- A voter's bunched votes within this many seconds of the start of their last wave are that wave:
-- a fast voter taps twice while a campaign opens or a call's crowd arrives, and that is one wave.
local WAVE_SPAN = 15
-- A voter's waves are a cohort's only hours apart at most: a script brings its cohort back within
-- the hour; a show's loyal audience is quick again the next evening, which is no script's return.
-- A voter whose last wave began longer ago than this starts again from none.
local WAVE_MEMORY = 6 * 3600
-- Day dwell buckets are 10% wide (log base 1.1), and 2% wide for a tight script (log base 1.02).
local LOG_BUCKET = math.log(1.1)
local LOG_FINE = math.log(1.02)
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

-- What a voter's history and the dashboard's tallies are kept for past their last vote: 30 days.
local KEPT_MS = 30 * LONG

-- A candidate's first vote as its list keeps it (`<time>:<dwell>`): its time and its dwell.
local function firstVoteOf(entry)
  local sep = string.find(entry, ':', 1, true)
  return tonumber(string.sub(entry, 1, sep - 1)), tonumber(string.sub(entry, sep + 1))
end

local span = spikeMinutes + baselineMinutes
-- The sum of an HMGET's answers from..to (a field not there counts 0).
local function sum(got, from, to)
  local total = 0
  for j = from, to do total = total + (tonumber(got[j]) or 0) end
  return total
end
-- The candidate hash's fields a minute's votes read: `first`, the minutes of the spike window
-- and its baseline, the short window's new accounts, the spike window's waves.
local fieldsByMinute = {}
local function fieldsOf(minute)
  local fields = fieldsByMinute[minute]
  if fields then return fields end
  fields = { 'first' }
  for m = minute - span + 1, minute do fields[#fields + 1] = 'v:' .. m end
  for m = minute - shortMinutes + 1, minute do fields[#fields + 1] = 'n:' .. m end
  for m = minute - spikeMinutes + 1, minute do fields[#fields + 1] = 'w:' .. m end
  fieldsByMinute[minute] = fields
  return fields
end

-- A candidate's hash and its ring of seconds, as read by an earlier vote of the batch, with that
-- vote's and every later one's own writes applied: the votes of a batch that share a candidate
-- and a minute read its fields once. Nothing else writes them while the script runs, and no key
-- expires in it, so what is kept is what Redis would answer.
local candCache, ringCache = {}, {}
local vIndex = 1 + span
local nIndex = vIndex + shortMinutes
local wIndex = nIndex + spikeMinutes
local function bump(values, index)
  values[index] = (tonumber(values[index]) or 0) + 1
end

local results = {}
local measured = false
local n = (#KEYS - 5) / 18
for i = 1, n do
  local k = 5 + 18 * (i - 1)
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
    local mine = redis.call('HMGET', voterHash, 'first', 'times', 'sw', 'swt')
    local first = tonumber(mine[1]) or t
    f.accountAgeMs = math.max(0, t - first)
    -- The voter's last times, newest first as stored: a vote newer than them all (the usual case)
    -- goes in front as it is, without sorting or writing the others again.
    local sorted, raw = { t }, {}
    if mine[2] then
      for x in string.gmatch(mine[2], '[^,]+') do
        raw[#raw + 1] = x
        sorted[#sorted + 1] = tonumber(x)
        if #raw == 19 then break end
      end
    end
    local inOrder = #sorted == 1 or t >= sorted[2]
    if not inOrder then table.sort(sorted, function(x, y) return x > y end) end
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
      f.voterIntervalMeanMs = math.floor(mean + 0.5)
      local sq = 0
      for _, d in ipairs(intervals) do sq = sq + (d - mean) * (d - mean) end
      if mean > 0 then
        f.voterIntervalCv = math.floor(math.sqrt(sq / #intervals) / mean * 10000 + 0.5) / 10000
      else
        f.voterIntervalCv = 0
      end
    else
      f.voterIntervalCv = cjson.null
      f.voterIntervalMeanMs = cjson.null
    end
    local timesText = string.format('%d', t)
    if not inOrder then
      local times = {}
      for j = 1, #sorted do times[j] = string.format('%d', sorted[j]) end
      timesText = table.concat(times, ',')
    elseif #raw > 0 then
      timesText = timesText .. ',' .. table.concat(raw, ',')
    end

    if dwell >= 0 then f.dwellMs = dwell else f.dwellMs = cjson.null end

    -- Devices and networks.
    if device ~= '' then
      f.deviceAccounts = accounts(KEYS[k + 3], t, voter, LONG)
      if f.deviceAccounts > 1 then redis.call('ZADD', KEYS[4], 'GT', f.deviceAccounts, device) end
    else
      f.deviceAccounts = cjson.null
    end
    if fingerprint ~= '' then
      f.fingerprintAccounts = accounts(KEYS[k + 4], t, voter, SHORT)
      if f.fingerprintAccounts > 1 then redis.call('ZADD', KEYS[5], 'GT', f.fingerprintAccounts, fingerprint) end
    else
      f.fingerprintAccounts = cjson.null
    end
    f.ipAccounts = accounts(KEYS[k + 5], t, voter, SHORT)
    f.subnetAccounts = accounts(KEYS[k + 6], t, voter, SHORT)
    f.ipCandidateAccounts = accounts(KEYS[k + 7], t, voter, SHORT)
    -- A network block's accounts for a candidate over the day: a farm spread over hours is still one.
    f.subnetCandidateAccounts = accounts(KEYS[k + 8], t, voter, LONG)
    -- A new account's own evidence: a tap faster than reading (half the fast-tap threshold: a
    -- quick human is fast, not that fast), WeChat's doubt, a shared phone.
    -- A network's accounts for a candidate are counted again among those with such evidence, so
    -- a crowd (many accounts, few with evidence) is told from a farm, and a framer's accounts
    -- never make an honest neighbour's vote suspect.
    local isNewHere = f.accountAgeMs == 0
    f.ownEvidence = isNewHere and ((dwell >= 0 and dwell <= FAST_TAP / 2) or dwell < 0 or rank >= 2
      or (f.deviceAccounts ~= cjson.null and f.deviceAccounts >= 2))
    if f.ownEvidence then
      f.ipCandidateSuspects = accounts(KEYS[k + 13], t, voter, SHORT)
      f.subnetCandidateSuspects = accounts(KEYS[k + 14], t, voter, LONG)
    elseif f.accountAgeMs <= NEW and f.subnetCandidateAccounts >= 2 then
      f.ipCandidateSuspects = redis.call('ZCOUNT', KEYS[k + 13], t - SHORT, '+inf')
      f.subnetCandidateSuspects = redis.call('ZCOUNT', KEYS[k + 14], t - LONG, '+inf')
    else
      f.ipCandidateSuspects = 0
      f.subnetCandidateSuspects = 0
    end
    redis.call('HINCRBY', KEYS[1], net16, 1)
    redis.call('ZINCRBY', KEYS[2], 1, net24)
    redis.call('ZINCRBY', KEYS[3], 1, ip)

    -- The candidate: recent rate against its baseline, and how many of its voters are new.
    local cand = KEYS[k + 9]
    local isNew = f.accountAgeMs <= NEW
    local isWave = isNewHere and dwell < WAVE_TAP
    if redis.call('HINCRBY', cand, 'v:' .. minute, 1) == 1 then
      -- The minute's first vote: drop the minutes a day old or older, from the last one dropped
      -- (`gc`; every minute since, not only the one a day ago: a quiet minute's next day may
      -- have no vote), and keep the hash a day past its last vote.
      local old = minute - 1440
      local from = (tonumber(redis.call('HGET', cand, 'gc')) or (old - 1)) + 1
      local drop = {}
      for m = from, old do
        drop[#drop + 1] = 'v:' .. m
        drop[#drop + 1] = 'n:' .. m
        drop[#drop + 1] = 'w:' .. m
        drop[#drop + 1] = 'r:' .. m
        if #drop >= 1000 then
          redis.call('HDEL', cand, unpack(drop))
          drop = {}
        end
      end
      if #drop > 0 then redis.call('HDEL', cand, unpack(drop)) end
      if from <= old then redis.call('HSET', cand, 'gc', old) end
      redis.call('PEXPIRE', cand, LONG)
    end
    if isNew then redis.call('HINCRBY', cand, 'n:' .. minute, 1) end
    -- A new account WeChat rates 2 or more: a bought cohort has many, real newcomers a few in a hundred.
    local isRiskyNew = isNewHere and rank >= 2
    if isRiskyNew then redis.call('HINCRBY', cand, 'r:' .. minute, 1) end
    -- Over the day (the hash's life): its first votes, those WeChat doubts, and their dwell
    -- times in 10% buckets, so a cohort spread over hours is still seen whole. A new account's
    -- later votes are measured against them too (an emulator taps again with the same dwell).
    local logDwell = (isNew and dwell > 0) and math.log(dwell) or nil
    local bucket = logDwell and math.floor(logDwell / LOG_BUCKET)
    local fine = logDwell and math.floor(logDwell / LOG_FINE)
    if isNewHere then
      redis.call('HINCRBY', cand, 'tn', 1)
      if isRiskyNew then redis.call('HINCRBY', cand, 'tr', 1) end
      if bucket then
        redis.call('HINCRBY', cand, 'd:' .. bucket, 1)
        redis.call('HINCRBY', cand, 'e:' .. fine, 1)
      end
    end
    if isWave then redis.call('HINCRBY', cand, 'w:' .. minute, 1) end
    -- The fields every vote of a minute reads, built once per minute and batch.
    local fields = fieldsOf(minute)
    -- What only a new account's rules read (the risky cohort, the day's dwell) is read for one
    -- only, and the risky cohort's counts for one WeChat doubts (rank 2+), the only one it judges.
    local riskyFrom, dwellFrom
    if isNew then
      fields = { unpack(fields) }
      if rank >= 2 then
        riskyFrom = #fields + 1
        for m = minute - shortMinutes + 1, minute do fields[#fields + 1] = 'r:' .. m end
        fields[#fields + 1] = 'tn'
        fields[#fields + 1] = 'tr'
      end
      dwellFrom = #fields + 1
      -- This dwell's bucket and the two beside it (about 30% around it), then the buckets 2 to 5
      -- away on either side: how dense first votes are around it, whatever the usual dwell is.
      if bucket then
        for _, d in ipairs({ -1, 0, 1, -5, -4, -3, -2, 2, 3, 4, 5 }) do fields[#fields + 1] = 'd:' .. (bucket + d) end
        -- The same at 2%: this bucket and the two beside it (about 6%), then the buckets 2 to 7
        -- away on either side: a script within a few percent of people's usual dwell.
        for d = -1, 1 do fields[#fields + 1] = 'e:' .. (fine + d) end
        for d = 2, 7 do
          fields[#fields + 1] = 'e:' .. (fine - d)
          fields[#fields + 1] = 'e:' .. (fine + d)
        end
      end
    end
    local cached = candCache[cand]
    local got
    if cached and cached.minute == minute then
      -- This vote's own writes above, as Redis applied them.
      local base = cached.values
      bump(base, vIndex)
      if isNew then bump(base, nIndex) end
      if isWave then bump(base, wIndex) end
      got = base
      if #fields > #base then
        local extra = redis.call('HMGET', cand, unpack(fields, #base + 1))
        got = { unpack(base) }
        for j = 1, #extra do got[#base + j] = extra[j] end
      end
    else
      got = redis.call('HMGET', cand, unpack(fields))
      local base = got
      local baseCount = #fieldsOf(minute)
      if #got > baseCount then base = { unpack(got, 1, baseCount) } end
      cached = { minute = minute, values = base }
      candCache[cand] = cached
    end
    local candidateFirst = tonumber(got[1])
    if not candidateFirst then
      candidateFirst = t
      redis.call('HSET', cand, 'first', t)
      cached.values[1] = t
    end
    f.candidateAgeMs = math.max(0, t - candidateFirst)
    local recentVotes, baselineVotes, shortVotes = 0, 0, 0
    -- The baseline's minutes with votes: its pace over them is the candidate's usual when busy.
    local busyMinutes = 0
    for j = 1, span do
      local v = tonumber(got[j + 1]) or 0
      if j > baselineMinutes then
        recentVotes = recentVotes + v
      else
        baselineVotes = baselineVotes + v
        if v > 0 then busyMinutes = busyMinutes + 1 end
      end
      if j > span - shortMinutes then shortVotes = shortVotes + v end
    end
    local shortNew = sum(got, span + 2, span + 1 + shortMinutes)
    local recentWave = sum(got, span + 2 + shortMinutes, span + 1 + shortMinutes + spikeMinutes)
    local riskyNew = riskyFrom and sum(got, riskyFrom, riskyFrom + shortMinutes - 1) or 0
    -- Votes per second, for lockstep: a ring of eight one-second slots per candidate (`k<n>` the
    -- second slot n holds, `c<n>` its votes), so the hash stays small however long the day.
    local second = math.floor(t / 1000)
    -- `r<n>`: those of slot n's votes whose voter had been in a bunched wave before (a cohort's).
    local ring = ringCache[KEYS[k + 17]]
    if not ring then
      ring = redis.call('HMGET', KEYS[k + 17], 'k0', 'c0', 'k1', 'c1', 'k2', 'c2', 'k3', 'c3',
        'k4', 'c4', 'k5', 'c5', 'k6', 'c6', 'k7', 'c7', 'r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7')
      ringCache[KEYS[k + 17]] = ring
    end
    local slot = second % 8
    -- `later`: the votes of seconds after this one (a batch measured late), for the usual pace below.
    local before, synced, later, returning = 0, 1, 0, 0
    for n = 0, 7 do
      local held, count = tonumber(ring[2 * n + 1]), tonumber(ring[2 * n + 2]) or 0
      if held and held > second then
        later = later + count
      elseif held and held >= second - 6 then
        if held >= second - 1 then
          synced = synced + count
          returning = returning + (tonumber(ring[17 + n]) or 0)
        else
          before = before + count
        end
      end
    end
    -- A vote measured more than the ring's eight seconds late finds its slot holding a later
    -- second: it is not counted there, so a newer second's votes are never wiped.
    local slotSecond = tonumber(ring[2 * slot + 1])
    local inRing = slotSecond == nil or slotSecond <= second
    if slotSecond == second then
      redis.call('HINCRBY', KEYS[k + 17], 'c' .. slot, 1)
      bump(ring, 2 * slot + 2)
    elseif inRing then
      redis.call('HSET', KEYS[k + 17], 'k' .. slot, second, 'c' .. slot, 1, 'r' .. slot, 0)
      redis.call('PEXPIRE', KEYS[k + 17], 10000)
      ring[2 * slot + 1], ring[2 * slot + 2], ring[17 + slot] = second, 1, 0
    end
    f.syncedVotes, f.votesBefore = synced, before
    -- A bunched moment: BUNCH_MIN votes or more in two seconds, at BUNCH_RATIO times the pace
    -- of the five seconds before. The voter's earlier votes in bunched moments: a script's
    -- accounts come back wave after wave; a crowd answering a call bunches once.
    -- The pace before is the larger of the five seconds' and the candidate's usual: its votes in
    -- its spike window (a minute to two) but these two seconds, from 10 s after its first vote.
    -- A crowd held up for seconds (a stalled server, a venue's network that came back) arrives
    -- at once after a gap, at its usual pace, and is not bunched. A vote measured after later
    -- ones (a batch measured late) leaves out those the ring holds (their last 8 s).
    -- From the first minute of the window with votes: a candidate quiet for a while (a campaign
    -- between its calls) has its usual from when its votes came back. When the window has too
    -- little of it, or less than before the quiet, the usual is the pace of the baseline's
    -- minutes with votes (the half hour before): a crowd back after minutes of nothing (a host's
    -- second call, a server down) is at its pace, not a wave. A cohort that is all a candidate has
    -- puts a wave in a minute, whose pace is a thirtieth of the wave's in two seconds.
    local fromMinute = minute
    for m = spikeMinutes - 1, 1, -1 do
      if (tonumber(got[span + 1 - m]) or 0) > 0 then
        fromMinute = minute - m
        break
      end
    end
    local usualMs = math.min(t - fromMinute * MINUTE, t - candidateFirst) - 2000
    local usual = 0
    if usualMs >= 8000 then usual = math.max(recentVotes - synced - later, 0) / (usualMs / 1000) end
    if busyMinutes > 0 then usual = math.max(usual, baselineVotes / (busyMinutes * MINUTE / 1000)) end
    f.bunched = synced >= BUNCH_MIN and synced / 2 >= BUNCH_RATIO * math.max(before / 5, usual, 0.5)
    -- The voter's earlier waves: a bunched vote within WAVE_SPAN of their last wave's start is
    -- still that wave, and the wave it is in is not an earlier one.
    local waves, waveStart = tonumber(mine[3]) or 0, tonumber(mine[4])
    if waveStart ~= nil and second - waveStart > WAVE_MEMORY then waves = 0 end
    -- A vote accepted before the last wave began (a batch measured late) is counted with the
    -- waves already known, never as one more: the voter had at most that many before it.
    local inLastWave = waves > 0 and waveStart ~= nil and second - waveStart < WAVE_SPAN
    local sameWave = f.bunched and inLastWave
    -- Bunched or not, a vote within WAVE_SPAN of its voter's last wave is in that wave, not back.
    local wavesBefore = inLastWave and waves - 1 or waves
    f.voterWaves = f.bunched and wavesBefore or waves
    -- How many of the two seconds' votes (this one too) came from voters in a wave before: a
    -- script brings its cohort back, a crowd called again brings people back at random places.
    if wavesBefore > 0 then
      returning = returning + 1
      if inRing then
        redis.call('HINCRBY', KEYS[k + 17], 'r' .. slot, 1)
        bump(ring, 17 + slot)
      end
    end
    f.syncedReturning = returning
    f.candidateDayNew = riskyFrom and tonumber(got[riskyFrom + shortMinutes]) or 0
    f.candidateDayRiskyNew = riskyFrom and tonumber(got[riskyFrom + shortMinutes + 1]) or 0
    f.dayDwellTwins = 0
    f.dayDwellAround = 0
    if bucket then
      f.dayDwellTwins, f.dayDwellAround = sum(got, dwellFrom, dwellFrom + 2), sum(got, dwellFrom + 3, dwellFrom + 10)
      f.dayFineTwins, f.dayFineAround = sum(got, dwellFrom + 11, dwellFrom + 13), sum(got, dwellFrom + 14, dwellFrom + 25)
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
    f.candidateVoters = accounts(KEYS[k + 12], t, voter, SHORT)
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

    -- A first vote against the candidate's latest first votes (newest first, `<time>:<dwell>`):
    -- how many in the spike window, and how many tapped within TWIN_RATIO of its dwell (an
    -- emulator's tight dwell). Only first votes read or write the list.
    f.recentFirstVotes, f.dwellTwins = 0, 0
    if isNewHere then
      local firsts = KEYS[k + 15]
      local latest = redis.call('LRANGE', firsts, 0, FIRSTS_KEPT - 1)
      local recent, twins = 1, (dwell >= 0) and 1 or 0
      for _, entry in ipairs(latest) do
        local et, ed = firstVoteOf(entry)
        if et <= t - SPIKE then break end
        if et <= t then
          recent = recent + 1
          if dwell >= 0 and ed >= 0 and ed * TWIN_RATIO >= dwell and dwell * TWIN_RATIO >= ed then
            twins = twins + 1
          end
        end
      end
      f.recentFirstVotes, f.dwellTwins = recent, twins
      -- Kept newest first, which the reading above relies on: a first vote measured late goes
      -- in its place, not in front, where it would hide the newer ones from the next votes.
      local entry = string.format('%d:%d', t, dwell)
      local place = nil
      if latest[1] and firstVoteOf(latest[1]) > t then
        place = false
        for _, older in ipairs(latest) do
          if firstVoteOf(older) <= t then
            place = older
            break
          end
        end
      end
      if place == nil then
        redis.call('LPUSH', firsts, entry)
      elseif place then
        redis.call('LINSERT', firsts, 'BEFORE', place, entry)
      else
        redis.call('RPUSH', firsts, entry)
      end
      redis.call('LTRIM', firsts, 0, FIRSTS_KEPT - 1)
      redis.call('PEXPIRE', firsts, SPIKE)
    end

    -- Referrals: does the voter share a device with whoever brought them?
    f.sharesWithInviter = false
    f.ringDepth = 0
    f.inviterSharedInvitees = 0
    f.inviterInvitees = 0
    f.inviterSuspects = 0
    local ringDepth = nil
    if inviter ~= '' and inviter ~= voter then
      f.inviterId = inviter
      f.inviterInvitees = accounts(KEYS[k + 16], t, voter, SHORT)
      -- Those of them with evidence of their own: a bought tree's accounts show it far more
      -- often than a popular sharer's real friends.
      if f.ownEvidence then
        f.inviterSuspects = accounts(KEYS[k + 18], t, voter, SHORT)
      else
        f.inviterSuspects = redis.call('ZCOUNT', KEYS[k + 18], t - SHORT, '+inf')
      end
      local inv = redis.call('HMGET', KEYS[k + 10], 'd', 'ring', 's', 'i')
      -- The same phone is coordination; the same /24 alone is a campus, an office or a home,
      -- unless the invitee's phone carries another account too.
      local sharedPhone = f.deviceAccounts ~= cjson.null and f.deviceAccounts >= 2
      local shares = (device ~= '' and inv[1] == device) or (inv[3] == net24 and sharedPhone)
      if shares then
        f.sharesWithInviter = true
        -- A depth kept without the inviter it came through (`i`: one stored before inviters were)
        -- is not trusted: the chain counts again from here.
        f.ringDepth = (inv[4] and tonumber(inv[2]) or 0) + 1
        -- Two accounts of one phone, each come through the other's link (a couple), are a pair,
        -- not a chain: the inviter came through this voter's link, so the pair never climbs past
        -- two, however often they vote; a chain through others' links still does.
        if inv[4] == voter then f.ringDepth = math.min(f.ringDepth, 2) end
        ringDepth = f.ringDepth
        f.inviterSharedInvitees = accounts(KEYS[k + 11], t, voter, LONG)
      else
        f.inviterSharedInvitees = redis.call('ZCARD', KEYS[k + 11])
      end
    else
      f.inviterId = cjson.null
    end

    -- The voter's hash, in one write.
    local update = { 'times', timesText, 's', net24 }
    if f.bunched and not sameWave then
      update[#update + 1] = 'sw'
      update[#update + 1] = waves + 1
      update[#update + 1] = 'swt'
      update[#update + 1] = second
    end
    if not mine[1] then
      update[#update + 1] = 'first'
      update[#update + 1] = t
    end
    if device ~= '' then
      update[#update + 1] = 'd'
      update[#update + 1] = device
    end
    if ringDepth then
      update[#update + 1] = 'ring'
      update[#update + 1] = ringDepth
      update[#update + 1] = 'i'
      update[#update + 1] = inviter
    end
    redis.call('HSET', voterHash, unpack(update))
    -- Kept 30 days past the voter's last vote: a loyal voter of a long campaign is never new again.
    redis.call('PEXPIRE', voterHash, KEPT_MS)

    if rank >= 0 then f.wechatRiskRank = rank else f.wechatRiskRank = cjson.null end

    local encoded = cjson.encode(f)
    redis.call('SET', KEYS[k + 1], encoded, 'EX', ttl)
    results[i] = encoded
    measured = true
  end
end
-- The dashboard's tallies (KEYS[1] to KEYS[5]) last 30 days past the board's last measured vote,
-- as its verdict tallies do: an ended campaign's go by themselves.
if measured then
  for j = 1, 5 do redis.call('PEXPIRE', KEYS[j], KEPT_MS) end
end
return results
