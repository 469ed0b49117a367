// The Lua scripts of the Redis projection store: guarded writes, the checkpoint compare-and-set with its batch, lease renewal and release.
import { luaScript } from './redis-client.js';

// A read-model key is a hash {v: JSON value, t: transaction id, p: global position}; a deleted key keeps t and p (a
// tombstone) so that a redelivered older event cannot bring it back. A write applies only if its cursor (t, p) is after
// the stored one, in log order. Writes come as 4 arguments each: op ('s' set, 'd' delete), t, p, value.
const guardedWrites = `
local function write(first_key, first_arg)
  for i = first_key, #KEYS do
    local a = first_arg + (i - first_key) * 4
    local t, p = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local stored = redis.call('HMGET', KEYS[i], 't', 'p')
    local st, sp = tonumber(stored[1]), tonumber(stored[2])
    if st == nil or t > st or (t == st and p > sp) then
      if ARGV[a] == 's' then
        redis.call('HSET', KEYS[i], 'v', ARGV[a + 3], 't', ARGV[a + 1], 'p', ARGV[a + 2])
      else
        redis.call('HDEL', KEYS[i], 'v')
        redis.call('HSET', KEYS[i], 't', ARGV[a + 1], 'p', ARGV[a + 2])
      end
    end
  end
end
`;

/** KEYS: the read-model keys; ARGV: their writes. */
export const writeScript = luaScript(`${guardedWrites}
write(1, 1)
return 1
`);

/**
 * KEYS[1]: the checkpoints hash, then the read-model keys. ARGV: name, from transaction id, from position (as the
 * checkpoint stores them, decimal strings), the new checkpoint JSON, the channel to publish on, then the writes.
 * Returns 0 and changes nothing when the checkpoint is not at `from`; else applies the writes, moves the checkpoint and publishes.
 */
export const commitScript = luaScript(`${guardedWrites}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local checkpoint = cjson.decode(current)
if checkpoint.transactionId ~= ARGV[2] or checkpoint.position ~= ARGV[3] then return 0 end
write(2, 6)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[1])
return 1
`);

/** KEYS[1]: the lease; ARGV: token, ttl in ms. 1 if still ours (and extended), else 0. */
export const renewLeaseScript = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/** KEYS[1]: the lease; ARGV: token. Deletes it only if still ours. */
export const releaseLeaseScript = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);
