--[[
  The last step of a rebuild: replaces a fenced board's rankings and totals with the ones
  recomputed from the ledger, freezes it if its campaign was frozen meanwhile, lifts the fence and
  tells watchers to resync, in one atomic step.

  The rebuild has fenced the board (its fence key holds the rebuild's token), waited until no vote of the board was
  in flight, and restored markers and like sets; while the fence holds, applyVotes changes
  nothing on this board, so what is installed here is exactly the ledger's state.

  A freeze (封榜) is refused while the board is fenced (freezeBoard-20.lua); the rebuild makes it
  here, from the rankings just installed, as freezeBoard-20.lua does. In the same step: a vote the
  fence held back applies after the fence is lifted, so it is never in the snapshot (until
  2026-12-08 the freeze was a second call after the install, and such a vote could land between
  the two and be in the public ranking of the freeze).

  KEYS[1] board meta hash   KEYS[2] all-time scores zset   KEYS[3] all-time total
  KEYS[4] board seq         KEYS[5] board members set      KEYS[6] rebuild fence
  KEYS[7] board periods zset (period total key -> expiry; see applyVotes-9+.lua)
  then, for window d (a day, a week or a month, then each window of the group boards), two keys
  at 7 + 2(d-1): +1 its scores zset, +2 its total
  then, when ARGV[6] names a freeze day, the freeze's 15 keys as freezeBoard-20.lua takes them
  (its KEYS[5..19]): snapshot scores, total and seq; the freeze day's, week's and month's live
  scores zset and total, in pairs; their snapshot scores and total, in the same order

  ARGV[1] fence token (must match)   ARGV[2] seq to set (never lowered)
  ARGV[3] change channel             ARGV[4] board id          ARGV[5] origin
  ARGV[6] the freeze day (YYYY-MM-DD, board timezone), or '' to leave the status as it is
  ARGV[7] all-time total             ARGV[8] number of all-time entries, then that many pairs
          (member, encoded score)
  then, for window d: its total, its expiry (unix seconds; 0 never; -1 the window is deleted),
          its number of entries, then that many pairs
  then the number of the board's periods installed, and for each its expiry and its total key's
          name: the periods zset becomes that list

  Returns the board's seq after install, or
   -1  board not found
   -3  the fence is not held by this token (another rebuild took over, or it was lifted)
  (negative codes: SCRIPT_CODES in src/redis/scripts.ts)
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
if redis.call('GET', KEYS[6]) ~= ARGV[1] then
  return -3
end

local function install(zkey, totalKey, total, at, count)
  redis.call('DEL', zkey)
  for i = 0, count - 1 do
    redis.call('ZADD', zkey, ARGV[at + 2 * i + 1], ARGV[at + 2 * i])
  end
  redis.call('SET', totalKey, total)
  return at + 2 * count
end

local freezing = ARGV[6] ~= ''
local freezeAt = #KEYS - 15
local at = install(KEYS[2], KEYS[3], ARGV[7], 9, tonumber(ARGV[8]))
-- Registered members that never had a counted change rank as never-changed (key 0).
for _, member in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  redis.call('ZADD', KEYS[2], 'NX', 0, member)
end

local days = ((freezing and freezeAt or #KEYS) - 7) / 2
for d = 1, days do
  local total, expireAt, count = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2])
  local zkey, totalKey = KEYS[7 + 2 * (d - 1) + 1], KEYS[7 + 2 * (d - 1) + 2]
  at = install(zkey, totalKey, total, at + 3, count)
  if expireAt == '-1' then
    redis.call('DEL', zkey, totalKey)
  elseif expireAt == '0' then
    redis.call('PERSIST', totalKey)
  else
    if count > 0 then redis.call('EXPIREAT', zkey, expireAt) end
    redis.call('EXPIREAT', totalKey, expireAt)
  end
end

redis.call('DEL', KEYS[7])
for i = 1, tonumber(ARGV[at]) do
  redis.call('ZADD', KEYS[7], ARGV[at + 2 * i - 1], ARGV[at + 2 * i])
end
local seq = math.max(tonumber(redis.call('GET', KEYS[4]) or '0'), tonumber(ARGV[2]))
redis.call('SET', KEYS[4], seq)

-- The freeze, as freezeBoard-20.lua makes it: COPY … REPLACE leaves the target alone when the
-- source does not exist (a window without votes), so delete first; the period copies must
-- outlive the freeze, which may last past retention.
if freezing then
  local function snapshot(from, to)
    redis.call('DEL', to)
    redis.call('COPY', from, to, 'REPLACE')
  end
  snapshot(KEYS[2], KEYS[freezeAt + 1])
  snapshot(KEYS[3], KEYS[freezeAt + 2])
  for i = freezeAt + 4, freezeAt + 9 do
    snapshot(KEYS[i], KEYS[i + 6])
    redis.call('PERSIST', KEYS[i + 6])
  end
  redis.call('SET', KEYS[freezeAt + 3], seq)
  redis.call('HSET', KEYS[1], 'status', 'frozen', 'frozenDay', ARGV[6], 'frozenSeq', seq)
end

redis.call('DEL', KEYS[6])
redis.call('PUBLISH', ARGV[3], cjson.encode({ boardId = ARGV[4], seq = seq, reset = true, origin = ARGV[5] }))
return seq
