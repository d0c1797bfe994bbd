--[[
  Puts a coupon pool's stock back from what MongoDB says of its codes (a rebuild after Redis lost
  data, or an import that died before its stock was written), never handing a code out twice: a
  code is made free only when no claim holds it and it is not free already, and a code MongoDB
  says is held is taken out of the free codes. A claim Redis has and MongoDB does not know (a code
  claimed for a grant not saved yet) is kept, and so is its code.

  KEYS[1] the pool's free codes (a list)
  KEYS[2] the pool's claims (a hash: grant id → code)

  ARGV[1] c, how many claim pairs follow   ARGV[2] h, how many held codes follow them
  ARGV[3 .. 2+2c] pairs: grant id, code (active grants' codes not redeemed: their claims)
  then h codes held otherwise (redeemed, retired): never free
  then the codes no one holds: free unless a claim holds one

  Returns { claims restored, codes made free, held codes taken out of the free codes }.
]]
local c = tonumber(ARGV[1])
local h = tonumber(ARGV[2])

local claimed = {}
local claims = redis.call('HGETALL', KEYS[2])
for i = 2, #claims, 2 do
  claimed[claims[i]] = true
end
local free = {}
for _, code in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  free[code] = true
end

-- A held code is never free: one found there (a stock out of step) is taken out.
local removed = 0
local function takeOut(code)
  if free[code] then
    removed = removed + redis.call('LREM', KEYS[1], 0, code)
    free[code] = nil
  end
end

local restored = 0
for i = 3, 2 + 2 * c, 2 do
  local grant, code = ARGV[i], ARGV[i + 1]
  takeOut(code)
  if not claimed[code] and redis.call('HSETNX', KEYS[2], grant, code) == 1 then
    restored = restored + 1
  end
  claimed[code] = true
end
for i = 3 + 2 * c, 2 + 2 * c + h do
  takeOut(ARGV[i])
end

local pushed = 0
for i = 3 + 2 * c + h, #ARGV do
  local code = ARGV[i]
  if not claimed[code] and not free[code] then
    redis.call('RPUSH', KEYS[1], code)
    free[code] = true
    pushed = pushed + 1
  end
end
return { restored, pushed, removed }
