--[[
  Records a batch's counted votes as members of their clusters on one board (the workers'
  cluster-members.ts), and reads when each cluster was known: one call per board and batch, where
  a pipeline took four commands per member.

  KEYS[1] the board's members-since marker (risk:members-since)
  then, for cluster c, two keys at 2c and 2c + 1:
    its members zset (risk:members:<cluster>: `<voteId> <evidence>` by acceptance time)
    its known zset (risk:known:<cluster>: its stopped votes' acceptance times)

  ARGV[1] the members-since value, set only if absent (NX)
  then, for each cluster in the order of its keys:
    from, to     the acceptance times whose stops are read from its known zset
    n            its members in this call, each then as four values:
      score      the member's acceptance time
      member     `<voteId> <evidence>`
      pruneBelow members accepted before this are dropped after it is added ('' for none: a
                 backlog's member drops none)
      keepMs     how long the set lives at least; its expiry only ever grows

  Returns, per cluster, its known zset's entries in [from, to] WITH SCORES.
]]
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local answers = {}
local at = 2
for c = 1, (#KEYS - 1) / 2 do
  local members, known = KEYS[2 * c], KEYS[2 * c + 1]
  local from, to, n = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2])
  at = at + 3
  -- The longest keepMs, as given (passed on as its own string, not as Lua formats a number).
  local keep, keepArg = 0, nil
  for _ = 1, n do
    redis.call('ZADD', members, ARGV[at], ARGV[at + 1])
    if ARGV[at + 2] ~= '' then
      redis.call('ZREMRANGEBYSCORE', members, '-inf', '(' .. ARGV[at + 2])
    end
    if tonumber(ARGV[at + 3]) > keep then
      keep, keepArg = tonumber(ARGV[at + 3]), ARGV[at + 3]
    end
    at = at + 4
  end
  -- The expiry only ever grows (-1: none yet).
  if keepArg and redis.call('PTTL', members) < keep then
    redis.call('PEXPIRE', members, keepArg)
  end
  answers[c] = redis.call('ZRANGEBYSCORE', known, from, to, 'WITHSCORES')
end
return answers
