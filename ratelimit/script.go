package ratelimit

import "github.com/redis/go-redis/v9"

// slidingLog is the whole Redis side of the limiter, run atomically by EVALSHA so
// that concurrent requests from any number of processes see one consistent count.
//
// KEYS[1] is the key's sorted set: members are unique per request, scores are accept
// times in Unix µs. Every number arrives as a string and scores leave as strings, so
// no µs timestamp (~1.7e15) passes through a Lua number on its way in or out; Lua's
// default number formatting keeps only 14 digits.
//
// ARGV: 1 cutoff (now - window: entries at or before it have expired), 2 now,
// 3 limit, 4 member, 5 key TTL in ms, 6 "1" to count the request or "0" to peek.
//
// Returns {allowed (0/1), count after this request, oldest score, newest score,
// pivot score}; a score is "" when there is none. The pivot is the entry whose expiry
// frees a slot for a refused request.
var slidingLog = redis.NewScript(`
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
local count = redis.call('ZCARD', key)
local limit = tonumber(ARGV[3])
local allowed = 0
if count < limit then
  allowed = 1
  if ARGV[6] == '1' then
    redis.call('ZADD', key, ARGV[2], ARGV[4])
    redis.call('PEXPIRE', key, ARGV[5])
    count = count + 1
  end
end
local function score(i)
  local r = redis.call('ZRANGE', key, i, i, 'WITHSCORES')
  return r[2] or ''
end
local pivot = ''
if allowed == 0 and limit >= 1 and count >= limit then
  pivot = score(count - limit)
end
return {allowed, count, score(0), score(-1), pivot}
`)
