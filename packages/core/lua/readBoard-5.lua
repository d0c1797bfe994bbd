--[[
  Reads one window of a board at one instant: the entries asked for, the board's seq, the
  window's total and the member count, all from the same moment, so answers never mix states.

  KEYS[1] board meta hash   KEYS[2] board members set   KEYS[3] window scores zset
  KEYS[4] window total      KEYS[5] board seq

  ARGV[1] `public-live` or `public-frozen` for a public read of the live keys or of a freeze's,
          chosen from a cached status; `any` for every other read
  ARGV[2] mode, then its arguments:
    range  <offset> <limit>         entries ranked offset+1 .. offset+limit
    member <memberId>               that member only (the focus)
    around <memberId> <k>           the focus and the entries up to k ranks either side of it
    watch  <limit> <memberId>...    the top `limit` and, as foci, each member named

  Returns
    { seq, total, memberCount, entries, foci }
      entries  flat triples: member, encoded score, 0-based rank
      foci     flat triples for the named members; rank -1 when the member has no entry in this
               window yet (a day without votes for it), encoded score then '0'
   -1  board not found
   -2  a named member is not registered on the board
   -7  the cached status the caller chose its keys by is not the board's: a `public-live` read
       of a frozen board, or a `public-frozen` read of one no longer frozen (its copies are
       gone); the caller reads again with the status Redis has
  (negative codes: SCRIPT_CODES in src/redis/scripts.ts)
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
-- The caller picked the keys from a status cached for up to BOARD_CACHE_MS: checked here, in
-- the same step as the read, so no public read shows a vote counted after a freeze.
if ARGV[1] ~= 'any' then
  local frozen = redis.call('HGET', KEYS[1], 'status') == 'frozen'
  if frozen ~= (ARGV[1] == 'public-frozen') then
    return -7
  end
end

local mode = ARGV[2]
local entries = {}
local foci = {}

local function pushRange(start, stop)
  if stop < start then return end
  local flat = redis.call('ZRANGE', KEYS[3], start, stop, 'WITHSCORES')
  for i = 1, #flat, 2 do
    entries[#entries + 1] = flat[i]
    entries[#entries + 1] = flat[i + 1]
    entries[#entries + 1] = start + (i - 1) / 2
  end
end

local function focus(member)
  if redis.call('SISMEMBER', KEYS[2], member) == 0 then
    return nil
  end
  local rank = redis.call('ZRANK', KEYS[3], member)
  foci[#foci + 1] = member
  if rank then
    foci[#foci + 1] = redis.call('ZSCORE', KEYS[3], member)
    foci[#foci + 1] = rank
  else
    foci[#foci + 1] = '0'
    foci[#foci + 1] = -1
  end
  return rank or -1
end

if mode == 'range' then
  local offset, limit = tonumber(ARGV[3]), tonumber(ARGV[4])
  pushRange(offset, offset + limit - 1)
elseif mode == 'member' then
  if not focus(ARGV[3]) then return -2 end
elseif mode == 'around' then
  local rank = focus(ARGV[3])
  if not rank then return -2 end
  local k = tonumber(ARGV[4])
  if rank >= 0 then
    pushRange(math.max(0, rank - k), rank + k)
  end
elseif mode == 'watch' then
  pushRange(0, tonumber(ARGV[3]) - 1)
  for i = 4, #ARGV do
    if not focus(ARGV[i]) then return -2 end
  end
else
  return redis.error_reply('readBoard: unknown mode ' .. tostring(mode))
end

local seq = tonumber(redis.call('GET', KEYS[5]) or '0')
local total = tonumber(redis.call('GET', KEYS[4]) or '0')
return { seq, total, redis.call('SCARD', KEYS[2]), entries, foci }
