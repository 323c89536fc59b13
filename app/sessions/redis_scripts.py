"""The Lua scripts of the Redis store: each change is one atomic step on the server.

Keys, under a prefix P (settings.redis_key_prefix):
  P:s:<id>      hash: v (version), bv (version of the body), client, fwd cfwd bwd cbwd (cursors)
  P:b:<id>      string: the packed body (app/sessions/compact.py)
  P:l:<id>      string: the lock, a random token per holder, with an expiry
  P:c:<client>  sorted set: that client's session ids by last use
  P:all         sorted set: every session id by last use
  P:gone        channel: ids of sessions deleted or evicted (workers close their streams)
Times come from the Redis server (TIME), so every worker agrees on them. The scripts touch keys
they build from P (the evicted sessions'), so they need a single Redis, not a Redis Cluster.
"""

_NOW = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
"""

# Remove a session and say so on the channel; `gone` collects the ids.
_FORGET = """
local function forget(prefix, id, gone)
  local meta = prefix .. ':s:' .. id
  local client = redis.call('HGET', meta, 'client')
  redis.call('DEL', meta, prefix .. ':b:' .. id)
  redis.call('ZREM', prefix .. ':all', id)
  if client then redis.call('ZREM', prefix .. ':c:' .. client, id) end
  redis.call('PUBLISH', prefix .. ':gone', id)
  table.insert(gone, id)
end
"""

# KEYS: meta, body, client set, all.
# ARGV: id, client, body, ttl_ms, max_per_client, max_sessions, prefix, fwd, cfwd, bwd, cbwd.
# Returns the ids evicted to make room: the client's own least recently used first, then
# everyone's; never one whose lock someone holds right now.
CREATE = (
    _NOW
    + _FORGET
    + """
local id, prefix, ttl = ARGV[1], ARGV[7], tonumber(ARGV[4])
local now, gone = now_ms(), {}
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - ttl)
local alive, idle = 0, {}
for _, other in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  if redis.call('EXISTS', prefix .. ':s:' .. other) == 1 then
    alive = alive + 1
    if redis.call('EXISTS', prefix .. ':l:' .. other) == 0 then table.insert(idle, other) end
  else
    redis.call('ZREM', KEYS[3], other)
  end
end
for i = 1, math.min(#idle, alive - tonumber(ARGV[5]) + 1) do forget(prefix, idle[i], gone) end
local over = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[6]) + 1
if over > 0 then
  for _, other in ipairs(redis.call('ZRANGE', KEYS[4], 0, over + 63)) do
    if over <= 0 then break end
    if redis.call('EXISTS', prefix .. ':l:' .. other) == 0 then
      forget(prefix, other, gone)
      over = over - 1
    end
  end
end
redis.call('HSET', KEYS[1], 'v', 1, 'bv', 1, 'client', ARGV[2],
           'fwd', ARGV[8], 'cfwd', ARGV[9], 'bwd', ARGV[10], 'cbwd', ARGV[11])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('SET', KEYS[2], ARGV[3], 'PX', ttl)
redis.call('ZADD', KEYS[3], now, id)
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('ZADD', KEYS[4], now, id)
return gone
"""
)

# KEYS: lock, meta, body, all.  ARGV: token, lock_ms, ttl_ms, id, prefix.
# -1: no such session; 0: another holder has the lock; else the meta hash (flat), and the
# session counts as used now (its idle timeout starts again).
ACQUIRE = (
    _NOW
    + """
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[4], 'XX', now_ms(), ARGV[4])
local client = redis.call('HGET', KEYS[2], 'client')
if client then
  redis.call('ZADD', ARGV[5] .. ':c:' .. client, 'XX', now_ms(), ARGV[4])
  redis.call('PEXPIRE', ARGV[5] .. ':c:' .. client, ARGV[3])
end
return redis.call('HGETALL', KEYS[2])
"""
)

# KEYS: lock, meta, body.  ARGV: token, expected version, ttl_ms, fwd, cfwd, bwd, cbwd,
# has_body ('1'/'0'), body.  Compare-and-set under the lock: the new version, or
# -1 (the session was deleted meanwhile), -2 (the lock is not ours any more), -3 (the version
# moved: someone wrote without the lock). The lock is released in every case but -2.
COMMIT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -2 end
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('DEL', KEYS[1]) return -1 end
local v = tonumber(redis.call('HGET', KEYS[2], 'v'))
if v ~= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) return -3 end
v = v + 1
redis.call('HSET', KEYS[2], 'v', v, 'fwd', ARGV[4], 'cfwd', ARGV[5], 'bwd', ARGV[6], 'cbwd', ARGV[7])
if ARGV[8] == '1' then
  redis.call('SET', KEYS[3], ARGV[9], 'PX', ARGV[3])
  redis.call('HSET', KEYS[2], 'bv', v)
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('DEL', KEYS[1])
return v
"""

# KEYS: lock.  ARGV: token.  Release only our own lock.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: lock.  ARGV: token, lock_ms.  Extend only our own lock: 1, or 0 if it is gone.
EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

# KEYS: meta.  ARGV: id, prefix.  1 if deleted, 0 if there was no such session. A holder of
# its lock finds it gone when it commits.
DELETE = (
    _FORGET
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
forget(ARGV[2], ARGV[1], {})
return 1
"""
)
