--[[
  The last step of a rebuild: replaces a fenced board's rankings and totals with the ones
  recomputed from the ledger, lifts the fence and tells watchers to resync, in one atomic step.

  The rebuild has fenced the board (its fence key holds the rebuild's token), waited until no vote of the board was
  in flight, and restored markers and like sets; while the fence holds, applyVotes changes
  nothing on this board, so what is installed here is exactly the ledger's state.

  KEYS[1] board meta hash   KEYS[2] all-time scores zset   KEYS[3] all-time total
  KEYS[4] board seq         KEYS[5] board members set      KEYS[6] rebuild fence
  KEYS[7] board periods zset (period total key -> expiry; see applyVotes-9+.lua)
  then, for window d (a day, a week or a month, then each window of the group boards), two keys
  at 7 + 2(d-1): +1 its scores zset, +2 its total

  ARGV[1] fence token (must match)   ARGV[2] seq to set (never lowered)
  ARGV[3] change channel             ARGV[4] board id          ARGV[5] origin
  ARGV[6] all-time total             ARGV[7] number of all-time entries, then that many pairs
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

local at = install(KEYS[2], KEYS[3], ARGV[6], 8, tonumber(ARGV[7]))
-- Registered members that never had a counted change rank as never-changed (key 0).
for _, member in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  redis.call('ZADD', KEYS[2], 'NX', 0, member)
end

local days = (#KEYS - 7) / 2
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
redis.call('DEL', KEYS[6])
redis.call('PUBLISH', ARGV[3], cjson.encode({ boardId = ARGV[4], seq = seq, reset = true, origin = ARGV[5] }))
return seq
