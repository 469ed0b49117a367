// Dead letters on Redis: a hash per projection, retried in the live generation, dropped on an operator's word.
import { CheckpointMoved, NotFound, compareCursors, cursorOf, type DeadLetter, type DeadLetterAdministration } from '@twofold/core';
import { writeAllButLast } from './redis-batch-writes.js';
import { readCheckpoints, patchCheckpoint, readStoredCheckpoint } from './redis-checkpoints.js';
import { runScript, type Redis } from './redis-client.js';
import { toDeadLetter, type StoredDeadLetter } from './redis-dead-letter.js';
import { redisCall } from './redis-errors.js';
import type { RedisProjectionKeys } from './redis-projection-keys.js';
import { bufferedRedisSession, writeArguments, type RedisSession } from './redis-session.js';
import { dropDeadLettersScript, retryDeadLetterScript } from './scripts.js';

export function redisDeadLetters(redis: Redis, keys: RedisProjectionKeys, maxWritesPerScript: number): DeadLetterAdministration<RedisSession> {
  return {
    async readDeadLetters(name) {
      const names = name === undefined ? (await readCheckpoints(redis, keys)).map((checkpoint) => checkpoint.name) : [name];
      const letters: DeadLetter[] = [];
      for (const projection of names) {
        const all = await redisCall(redis.hgetall(keys.letters(projection)));
        for (const [id, json] of Object.entries(all)) letters.push(toDeadLetter(projection, id, json));
      }
      return letters.sort((a, b) => compareCursors(cursorOf(a.event), cursorOf(b.event)) || Number(a.id) - Number(b.id));
    },

    async requestDeadLetterRetry(name) {
      await patchCheckpoint(redis, keys, name, { retryRequested: true });
    },

    async retryDeadLetter(name, id, apply) {
      const current = await readStoredCheckpoint(redis, keys, name);
      if (current === undefined) throw new NotFound('projection', name);
      const generation = current.generation ?? 1;
      if ((await redisCall(redis.hexists(keys.letters(name), id))) !== 1) throw new NotFound('dead letter', id);
      const session = bufferedRedisSession(redis, keys.prefix, name, generation);
      await apply(session);
      const last = await writeAllButLast(redis, session.seal(), maxWritesPerScript);
      const scriptKeys = [keys.checkpoints, keys.letters(name), keys.letterEvents(name), ...last.map((w) => w.key)];
      const done = await redisCall(runScript(redis, retryDeadLetterScript, scriptKeys, [name, String(generation), id, ...writeArguments(last)]));
      if (done === 0) throw new NotFound('dead letter', id);
      if (done !== 1) throw new CheckpointMoved(name);
    },

    async finishDeadLetterRetry(name, failures) {
      for (const { id, error } of failures) {
        const json = await redisCall(redis.hget(keys.letters(name), id));
        if (json === null) continue;
        await redisCall(redis.hset(keys.letters(name), id, JSON.stringify({ ...(JSON.parse(json) as StoredDeadLetter), error })));
      }
      await patchCheckpoint(redis, keys, name, { retryRequested: false });
    },

    async dropDeadLetters(name, ids) {
      if (ids !== undefined && ids.length === 0) return 0;
      const dropped = Number(await redisCall(runScript(redis, dropDeadLettersScript, [keys.letters(name), keys.letterEvents(name)], ids === undefined ? [] : [...ids])));
      // runners reload which streams are parked
      await redisCall(redis.publish(keys.controlChannel, name));
      return dropped;
    },
  };
}
