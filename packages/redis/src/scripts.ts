// The Lua scripts of the Redis projection store: guarded writes, the checkpoint compare-and-set with its batch and dead
// letters, operators' changes, the generation switch, reads through the live generation, lease renewal and release.
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

// A checkpoint is JSON: {version, generation, transactionId, position (decimal strings), lastEventAt, updatedAt, paused,
// retryRequested, rebuild: {generation, version, transactionId, position, lastEventAt, startedAt} | null}. Checkpoints
// written before generations existed have none: they are generation 1.
const generationOf = `
local function generation_of(checkpoint)
  return tonumber(checkpoint.generation) or 1
end
`;

/** KEYS: the read-model keys; ARGV: their writes. */
export const writeScript = luaScript(`${guardedWrites}
write(1, 1)
return 1
`);

/**
 * KEYS: the checkpoints hash, the projection's dead letters hash, its event id → letter id hash, the letter sequence,
 * then the read-model keys. ARGV: name, 'live' or 'rebuild', the generation written, from transaction id, from
 * position (decimal strings, as stored), to transaction id, to position, last event at, now, the channel to publish on,
 * the number of dead letters n, n pairs (event id, letter JSON), then the writes.
 * Returns 0 and changes nothing unless the checkpoint of that generation is at `from`; else applies the writes, parks
 * the letters (one per event), moves the checkpoint and publishes.
 */
export const commitScript = luaScript(`${guardedWrites}${generationOf}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local checkpoint = cjson.decode(current)
local generation = tonumber(ARGV[3])
local target = checkpoint
if ARGV[2] == 'live' then
  if generation_of(checkpoint) ~= generation then return 0 end
else
  if type(checkpoint.rebuild) ~= 'table' or tonumber(checkpoint.rebuild.generation) ~= generation then return 0 end
  target = checkpoint.rebuild
end
if target.transactionId ~= ARGV[4] or target.position ~= ARGV[5] then return 0 end
local letters = tonumber(ARGV[11])
write(5, 12 + letters * 2)
for i = 0, letters - 1 do
  local event_id, letter = ARGV[12 + i * 2], ARGV[13 + i * 2]
  if redis.call('HEXISTS', KEYS[3], event_id) == 0 then
    local id = redis.call('INCR', KEYS[4])
    redis.call('HSET', KEYS[2], id, letter)
    redis.call('HSET', KEYS[3], event_id, id)
  end
end
target.transactionId = ARGV[6]
target.position = ARGV[7]
target.lastEventAt = ARGV[8]
if ARGV[2] == 'live' then checkpoint.updatedAt = ARGV[9] end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(checkpoint))
redis.call('PUBLISH', ARGV[10], ARGV[1])
return 1
`);

/**
 * KEYS[1]: the checkpoints hash. ARGV: name, a JSON object of top-level fields to set, the checkpoint channel, the
 * control channel. 0 when there is no such checkpoint; else sets the fields, publishes on both channels and returns 1.
 */
export const patchCheckpointScript = luaScript(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local checkpoint = cjson.decode(current)
for field, value in pairs(cjson.decode(ARGV[2])) do checkpoint[field] = value end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(checkpoint))
redis.call('PUBLISH', ARGV[3], ARGV[1])
redis.call('PUBLISH', ARGV[4], ARGV[1])
return 1
`);

/**
 * KEYS: the checkpoints hash, the live generations hash (which also keeps, as `<name>#last`, the highest generation
 * ever started). ARGV: name, version, now, the checkpoint channel, the control channel. Starts a generation never used
 * before (a rebuild lost with a vanished checkpoint may have left keys in the one after the live). Returns {new
 * generation, abandoned rebuild generation or 0}, or 0 when there is no such checkpoint.
 */
export const requestRebuildScript = luaScript(`${generationOf}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local checkpoint = cjson.decode(current)
local abandoned = 0
if type(checkpoint.rebuild) == 'table' then abandoned = tonumber(checkpoint.rebuild.generation) end
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1] .. '#last')) or 0
local generation = math.max(generation_of(checkpoint), abandoned, last) + 1
redis.call('HSET', KEYS[2], ARGV[1] .. '#last', generation)
checkpoint.rebuild = { generation = generation, version = tonumber(ARGV[2]), transactionId = '0', position = '0', lastEventAt = cjson.null, startedAt = ARGV[3] }
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(checkpoint))
redis.call('PUBLISH', ARGV[4], ARGV[1])
redis.call('PUBLISH', ARGV[5], ARGV[1])
return { generation, abandoned }
`);

/**
 * KEYS: the checkpoints hash, the live generations hash. ARGV: name, generation, at transaction id, at position, now,
 * the checkpoint channel. Switches readers to the rebuilt generation if it and the live one are both exactly at `at`;
 * returns the old generation (to delete), or 0 and changes nothing.
 */
export const switchGenerationScript = luaScript(`${generationOf}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local checkpoint = cjson.decode(current)
local rebuild = checkpoint.rebuild
if type(rebuild) ~= 'table' or tonumber(rebuild.generation) ~= tonumber(ARGV[2]) then return 0 end
if rebuild.transactionId ~= ARGV[3] or rebuild.position ~= ARGV[4] or checkpoint.transactionId ~= ARGV[3] or checkpoint.position ~= ARGV[4] then return 0 end
local old = generation_of(checkpoint)
checkpoint.generation = tonumber(ARGV[2])
checkpoint.version = rebuild.version
checkpoint.rebuild = cjson.null
checkpoint.updatedAt = ARGV[5]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(checkpoint))
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[6], ARGV[1])
return old
`);

/**
 * KEYS: the checkpoints hash, the projection's dead letters hash, its event id → letter id hash, then the read-model
 * keys. ARGV: name, the live generation written, the letter id, then the writes. Applies the writes and deletes the
 * letter if both the letter and the generation are as they were: 1; else 0 (letter gone) or -1 (generation switched).
 */
export const retryDeadLetterScript = luaScript(`${guardedWrites}${generationOf}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current or generation_of(cjson.decode(current)) ~= tonumber(ARGV[2]) then return -1 end
local letter = redis.call('HGET', KEYS[2], ARGV[3])
if not letter then return 0 end
write(4, 4)
redis.call('HDEL', KEYS[2], ARGV[3])
redis.call('HDEL', KEYS[3], cjson.decode(letter).event.eventId)
return 1
`);

/**
 * KEYS: the projection's dead letters hash, its event id → letter id hash. ARGV: the letter ids, or none for all.
 * Returns how many were dropped.
 */
export const dropDeadLettersScript = luaScript(`
if #ARGV == 0 then
  local count = redis.call('HLEN', KEYS[1])
  redis.call('DEL', KEYS[1], KEYS[2])
  return count
end
local count = 0
for i = 1, #ARGV do
  local letter = redis.call('HGET', KEYS[1], ARGV[i])
  if letter then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], cjson.decode(letter).event.eventId)
    count = count + 1
  end
end
return count
`);

/**
 * KEYS[1]: the live generations hash. ARGV: the key prefix, the projection, then its read-model keys. The values of the
 * keys in the generation readers see now (false, i.e. nil, where absent): resolving it and reading are one atomic step,
 * so a reader never mixes generations nor reads one already switched away from.
 */
export const readScript = luaScript(`
local generation = tonumber(redis.call('HGET', KEYS[1], ARGV[2])) or 1
local base = ARGV[1] .. 'rm:' .. ARGV[2] .. (generation == 1 and '' or ('@' .. generation)) .. ':'
local values = {}
for i = 3, #ARGV do
  values[i - 2] = redis.call('HGET', base .. ARGV[i], 'v')
end
return values
`);

/**
 * KEYS[1]: the lease, KEYS[2]: the hash of the last token granted per lease; ARGV: name, ttl in ms. Grants the lease
 * if no one holds it (held means the key exists: it expires with its ttl): the new token, one more than the last, else nil.
 */
export const takeLeaseScript = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  return false
end
local token = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token
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
