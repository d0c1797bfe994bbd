--[[
  封榜: freezes a board's public ranking in one atomic step. Sets the campaign status `frozen`
  in the meta, records the freeze day and seq there, and copies what the public reads while
  frozen: the all-time scores and total, the seq, and the scores and total of the freeze day,
  of its week and of its month. Counting goes on in the live keys; only the copies stop.

  KEYS[1] board meta hash        KEYS[2] all-time scores zset   KEYS[3] all-time total
  KEYS[4] board seq
  KEYS[5] snapshot scores        KEYS[6] snapshot total         KEYS[7] snapshot seq
  KEYS[8..13]  the freeze day's, week's and month's live scores zset and total, in pairs
  KEYS[14..19] their snapshot scores and total, in the same order
  KEYS[20] rebuild fence

  ARGV[1] the freeze day (YYYY-MM-DD, board timezone, at this instant)
  ARGV[2] change channel   ARGV[3] board id   ARGV[4] origin

  Publishes a `reset` change, so every process forgets what it cached of the board's status and
  every screen resyncs to the snapshot (the same ranking it shows, at the freeze seq).

  Returns the frozen seq, or
   -1  board not found
   -4  the board is fenced for a rebuild: its live keys are still being restored from the
       ledger (a snapshot now would copy them half made, or empty, and be the public ranking
       until the campaign ends); the caller tries again once it is installed
  (negative codes: SCRIPT_CODES in src/redis/scripts.ts)
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
if redis.call('EXISTS', KEYS[20]) == 1 then
  return -4
end

-- COPY … REPLACE leaves the target alone when the source does not exist (a window without
-- votes yet): delete first, so a missing source reads as empty, not as an older copy.
local function snapshot(from, to)
  redis.call('DEL', to)
  redis.call('COPY', from, to, 'REPLACE')
end

snapshot(KEYS[2], KEYS[5])
snapshot(KEYS[3], KEYS[6])
-- The freeze day, week and month: live key -> snapshot key. A period's keys expire; the
-- copies must outlive the freeze, which may last past retention.
for i = 8, 13 do
  snapshot(KEYS[i], KEYS[i + 6])
  redis.call('PERSIST', KEYS[i + 6])
end
local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
redis.call('SET', KEYS[7], seq)
redis.call('HSET', KEYS[1], 'status', 'frozen', 'frozenDay', ARGV[1], 'frozenSeq', seq)
redis.call('PUBLISH', ARGV[2], cjson.encode({ boardId = ARGV[3], seq = seq, reset = true, origin = ARGV[4] }))
return seq
