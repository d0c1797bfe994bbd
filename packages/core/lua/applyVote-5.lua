--[[
  Applies one accepted vote to a board, exactly once.

  The whole script runs atomically: either the marker, the score, the sequence number and the
  change message all happen, or none of them does. A re-delivered job (retry, stalled job,
  duplicate add) finds the marker and changes nothing.

  KEYS[1] board meta hash        ({prefix}:{board}:meta)
  KEYS[2] board members set      ({prefix}:{board}:members)
  KEYS[3] board scores zset      ({prefix}:{board}:scores)
  KEYS[4] board change sequence  ({prefix}:{board}:seq)
  KEYS[5] applied-vote marker    ({prefix}:{board}:vote:{voteId})

  ARGV[1] candidate id
  ARGV[2] marker time-to-live, seconds
  ARGV[3] change channel to publish on
  ARGV[4] board id (echoed in the change message)
  ARGV[5] origin: the instance id of the applying worker

  Returns
    { 1, score, seq }  applied now: score is the candidate's new score, seq the board's new seq
    { 0, score, seq }  already applied earlier: nothing changed; current score and seq
   -1                  board not found
   -2                  unknown member (the board has no such candidate)
]]
local candidate = ARGV[1]

if redis.call('SISMEMBER', KEYS[2], candidate) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then
    return -1
  end
  return -2
end

if redis.call('EXISTS', KEYS[5]) == 1 then
  local current = redis.call('ZSCORE', KEYS[3], candidate) or '0'
  local seq = redis.call('GET', KEYS[4]) or '0'
  return { 0, tonumber(current), tonumber(seq) }
end

redis.call('SET', KEYS[5], candidate, 'EX', tonumber(ARGV[2]))
local score = redis.call('ZINCRBY', KEYS[3], 1, candidate)
local seq = redis.call('INCR', KEYS[4])

redis.call('PUBLISH', ARGV[3], cjson.encode({
  boardId = ARGV[4],
  candidateId = candidate,
  score = tonumber(score),
  seq = seq,
  origin = ARGV[5],
}))

return { 1, tonumber(score), seq }
