--[[
  Measures a batch of votes of one board for risk control, and records each in the sliding
  windows the next votes are measured against. Deterministic: each vote is measured from the
  votes recorded before it, at its own acceptance time; and a vote measured before (a re-delivered
  job) gets back the measurements stored then, without being recorded twice.

  Windows are minute buckets (counts) or sorted sets of voters scored by their last time (accounts).

  KEYS[1] votes per /16 hash     KEYS[2] votes per /24 zset    KEYS[3] votes per IP zset
  KEYS[4] accounts per device zset (largest count seen)         KEYS[5] same per fingerprint
  then, for vote i, seventeen keys at 5 + 17(i-1):
    +1 the stored measurements   +2 the voter's hash            +3 the voter's recent times list
    +4 device accounts zset      +5 device votes buckets         +6 fingerprint accounts zset
    +7 IP accounts zset          +8 IP votes buckets             +9 subnet accounts zset
    +10 subnet votes buckets     +11 IP+candidate accounts zset  +12 subnet+candidate accounts zset
    +13 the candidate's buckets  +14 the inviter's hash          +15 the inviter's shared invitees
    +16 fingerprint votes buckets +17 the candidate's voters zset

  ARGV[1] short window ms   ARGV[2] long window ms   ARGV[3] spike window ms
  ARGV[4] baseline ms       ARGV[5] new-account ms   ARGV[6] time-to-live of stored measurements, s
  ARGV[7] a wave's tap, ms
  then, for vote i, eleven values at 7 + 11(i-1):
    +1 voter id   +2 accepted at (ms)   +3 device id ('' none)   +4 fingerprint ('' none)
    +5 IP   +6 /24 or /64   +7 /16 or /32   +8 candidate   +9 inviter ('' none)
    +10 dwell ms (-1 none)  +11 WeChat risk rank (-1 unknown)

  Returns the measurements of each vote, as JSON (see riskFeaturesSchema).
]]
local SHORT, LONG = tonumber(ARGV[1]), tonumber(ARGV[2])
local SPIKE, BASELINE, NEW = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
local WAVE_TAP = tonumber(ARGV[7])
local MINUTE = 60000
local shortMinutes = math.floor(SHORT / MINUTE)
local spikeMinutes = math.floor(SPIKE / MINUTE)
local baselineMinutes = math.floor(BASELINE / MINUTE)

-- Adds the voter to an accounts window and answers how many accounts it holds.
local function accounts(key, t, voter, window)
  redis.call('ZADD', key, t, voter)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (t - window))
  redis.call('PEXPIRE', key, window)
  return redis.call('ZCARD', key)
end

-- Counts a vote in a minute-bucket hash and answers the sum over the short window.
local function votes(key, minute)
  redis.call('HINCRBY', key, minute, 1)
  redis.call('HDEL', key, minute - shortMinutes, minute - shortMinutes - 1)
  redis.call('PEXPIRE', key, SHORT + MINUTE)
  local fields = {}
  for m = minute - shortMinutes + 1, minute do
    fields[#fields + 1] = m
  end
  local sum = 0
  for _, v in ipairs(redis.call('HMGET', key, unpack(fields))) do
    sum = sum + (tonumber(v) or 0)
  end
  return sum
end

local results = {}
local n = (#KEYS - 5) / 17
for i = 1, n do
  local k = 5 + 17 * (i - 1)
  local a = 7 + 11 * (i - 1)
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

    -- The voter: first vote, recent times, interval regularity.
    local voterHash = KEYS[k + 2]
    redis.call('HSETNX', voterHash, 'first', t)
    local first = tonumber(redis.call('HGET', voterHash, 'first'))
    f.accountAgeMs = math.max(0, t - first)
    local times = KEYS[k + 3]
    redis.call('LPUSH', times, t)
    redis.call('LTRIM', times, 0, 19)
    local recent = redis.call('LRANGE', times, 0, 19)
    local sorted = {}
    local inWindow = 0
    for _, v in ipairs(recent) do
      local x = tonumber(v)
      sorted[#sorted + 1] = x
      if x > t - SHORT and x <= t then inWindow = inWindow + 1 end
    end
    f.voterVotes = inWindow
    table.sort(sorted, function(x, y) return x > y end)
    local intervals = {}
    for j = 1, math.min(#sorted - 1, 8) do
      intervals[#intervals + 1] = sorted[j] - sorted[j + 1]
    end
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
    redis.call('PEXPIRE', times, LONG)

    if dwell >= 0 then f.dwellMs = dwell else f.dwellMs = cjson.null end

    -- Devices and networks.
    if device ~= '' then
      f.deviceAccounts = accounts(KEYS[k + 4], t, voter, LONG)
      f.deviceVotes = votes(KEYS[k + 5], minute)
      redis.call('ZADD', KEYS[4], 'GT', f.deviceAccounts, device)
    else
      f.deviceAccounts = cjson.null
      f.deviceVotes = cjson.null
    end
    if fingerprint ~= '' then
      f.fingerprintAccounts = accounts(KEYS[k + 6], t, voter, SHORT)
      f.fingerprintVotes = votes(KEYS[k + 16], minute)
      redis.call('ZADD', KEYS[5], 'GT', f.fingerprintAccounts, fingerprint)
    else
      f.fingerprintAccounts = cjson.null
      f.fingerprintVotes = cjson.null
    end
    f.ipAccounts = accounts(KEYS[k + 7], t, voter, SHORT)
    f.ipVotes = votes(KEYS[k + 8], minute)
    f.subnetAccounts = accounts(KEYS[k + 9], t, voter, SHORT)
    f.subnetVotes = votes(KEYS[k + 10], minute)
    f.ipCandidateAccounts = accounts(KEYS[k + 11], t, voter, SHORT)
    f.subnetCandidateAccounts = accounts(KEYS[k + 12], t, voter, SHORT)
    redis.call('HINCRBY', KEYS[1], net16, 1)
    redis.call('ZINCRBY', KEYS[2], 1, net24)
    redis.call('ZINCRBY', KEYS[3], 1, ip)

    -- The candidate: recent rate against its baseline, and how many of its voters are new.
    local cand = KEYS[k + 13]
    local isNew = f.accountAgeMs <= NEW
    local isWave = f.accountAgeMs == 0 and dwell < WAVE_TAP
    redis.call('HSETNX', cand, 'first', t)
    f.candidateAgeMs = math.max(0, t - tonumber(redis.call('HGET', cand, 'first')))
    redis.call('HINCRBY', cand, 'v:' .. minute, 1)
    if isNew then redis.call('HINCRBY', cand, 'n:' .. minute, 1) end
    if isWave then redis.call('HINCRBY', cand, 'w:' .. minute, 1) end
    redis.call('HDEL', cand, 'v:' .. (minute - 1440), 'n:' .. (minute - 1440), 'w:' .. (minute - 1440))
    redis.call('PEXPIRE', cand, LONG)
    local fields = {}
    local span = spikeMinutes + baselineMinutes
    for m = minute - span + 1, minute do fields[#fields + 1] = 'v:' .. m end
    for m = minute - shortMinutes + 1, minute do fields[#fields + 1] = 'n:' .. m end
    for m = minute - spikeMinutes + 1, minute do fields[#fields + 1] = 'w:' .. m end
    local got = redis.call('HMGET', cand, unpack(fields))
    local recentVotes, baselineVotes, shortVotes, shortNew = 0, 0, 0, 0
    for j = 1, span do
      local v = tonumber(got[j]) or 0
      if j > baselineMinutes then recentVotes = recentVotes + v else baselineVotes = baselineVotes + v end
      if j > span - shortMinutes then shortVotes = shortVotes + v end
    end
    for j = span + 1, span + shortMinutes do shortNew = shortNew + (tonumber(got[j]) or 0) end
    local recentWave = 0
    for j = span + shortMinutes + 1, #fields do recentWave = recentWave + (tonumber(got[j]) or 0) end
    f.candidateWaveVotes = recentWave
    if recentVotes > 0 then
      f.candidateWaveShare = math.floor(recentWave / recentVotes * 1000 + 0.5) / 1000
    else
      f.candidateWaveShare = 0
    end
    f.candidateRecent = recentVotes
    f.candidateBaseline = math.floor(baselineVotes / (baselineMinutes / spikeMinutes) * 1000 + 0.5) / 1000
    f.candidateVotes = shortVotes
    f.candidateVoters = accounts(KEYS[k + 17], t, voter, SHORT)
    if shortVotes > 0 then
      f.candidateNewShare = math.floor(shortNew / shortVotes * 1000 + 0.5) / 1000
    else
      f.candidateNewShare = 0
    end

    -- Referrals: does the voter share a device or a network with whoever brought them?
    f.sharesWithInviter = false
    f.ringDepth = 0
    f.inviterSharedInvitees = 0
    if inviter ~= '' and inviter ~= voter then
      f.inviterId = inviter
      local inv = redis.call('HMGET', KEYS[k + 14], 'd', 's', 'ring')
      local shares = (device ~= '' and inv[1] == device) or (inv[2] == net24)
      if shares then
        f.sharesWithInviter = true
        f.ringDepth = (tonumber(inv[3]) or 0) + 1
        redis.call('HSET', voterHash, 'ring', f.ringDepth)
        f.inviterSharedInvitees = accounts(KEYS[k + 15], t, voter, LONG)
      else
        f.inviterSharedInvitees = redis.call('ZCARD', KEYS[k + 15])
      end
    else
      f.inviterId = cjson.null
    end
    if device ~= '' then
      redis.call('HSET', voterHash, 'd', device, 's', net24)
    else
      redis.call('HSET', voterHash, 's', net24)
    end
    redis.call('PEXPIRE', voterHash, LONG * 30)

    if rank >= 0 then f.wechatRiskRank = rank else f.wechatRiskRank = cjson.null end

    local encoded = cjson.encode(f)
    redis.call('SET', KEYS[k + 1], encoded, 'EX', ttl)
    results[i] = encoded
  end
end
return results
