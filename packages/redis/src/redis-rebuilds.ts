// Rebuilds on Redis: a new generation of a projection's keys is built beside the live one, readers switch with the
// generation number, and the generation left behind is deleted in the background.
import { CheckpointMoved, NotFound, logStart, type ProjectionAdministration, type ProjectionDefinition, type RebuildProgress } from '@twofold/core';
import { writeAll } from './redis-batch-writes.js';
import { runScript, type Redis } from './redis-client.js';
import { redisCall } from './redis-errors.js';
import { deleteKeysMatching, globEscape } from './redis-key-sweep.js';
import type { RedisProjectionKeys } from './redis-projection-keys.js';
import { bufferedRedisSession, generationKeyPrefix, type RedisSession } from './redis-session.js';
import { requestRebuildScript, switchGenerationScript } from './scripts.js';

export interface RedisRebuilds extends Pick<ProjectionAdministration<RedisSession>, 'requestRebuild' | 'prepareGeneration' | 'completeRebuild'> {
  /** Runs the projection's setup in `generation`. */
  setUp(projection: ProjectionDefinition<RedisSession>, generation: number): Promise<void>;
  /** Deletes the keys of one generation of a projection in the background, a chunk at a time. */
  sweep(name: string, generation: number): void;
  /** Resolves when the generations being deleted in the background are gone. */
  swept(): Promise<void>;
}

export interface RedisRebuildSettings {
  readonly maxWritesPerScript: number;
  readonly sweepChunkSize: number;
}

export function redisRebuilds(redis: Redis, keys: RedisProjectionKeys, settings: RedisRebuildSettings): RedisRebuilds {
  const sweeps = new Set<Promise<void>>();

  function sweep(name: string, generation: number): void {
    const pattern = `${globEscape(generationKeyPrefix(keys.prefix, name, generation))}*`;
    const done: Promise<void> = deleteKeysMatching(redis, pattern, settings.sweepChunkSize)
      .then(() => undefined, () => undefined)
      .finally(() => sweeps.delete(done));
    sweeps.add(done);
  }

  async function setUp(projection: ProjectionDefinition<RedisSession>, generation: number): Promise<void> {
    if (projection.setup === undefined) return;
    const session = bufferedRedisSession(redis, keys.prefix, projection.name, generation);
    await projection.setup(session);
    await writeAll(redis, session.seal(), settings.maxWritesPerScript);
  }

  return {
    setUp,
    sweep,
    async swept() {
      while (sweeps.size > 0) await Promise.all([...sweeps]);
    },

    async requestRebuild(name, version): Promise<RebuildProgress> {
      const startedAt = new Date();
      const reply = await redisCall(
        runScript(redis, requestRebuildScript, [keys.checkpoints, keys.generations], [name, version, startedAt.toISOString(), keys.checkpointMovedChannel, keys.controlChannel]),
      );
      if (!Array.isArray(reply)) throw new NotFound('projection', name);
      const [generation, abandoned] = reply.map(Number) as [number, number];
      // a rebuild asked for again starts over in a fresh generation: the one it abandons goes
      if (abandoned > 0) sweep(name, abandoned);
      return { generation, version, cursor: logStart, lastEventAt: undefined, startedAt };
    },

    async prepareGeneration(projection, generation) {
      await setUp(projection, generation);
    },

    async completeRebuild(name, generation, at) {
      const args = [name, generation, String(at.transactionId), String(at.position), new Date().toISOString(), keys.checkpointMovedChannel];
      const old = Number(await redisCall(runScript(redis, switchGenerationScript, [keys.checkpoints, keys.generations], args)));
      if (old === 0) throw new CheckpointMoved(name);
      // readers resolve the generation on each read, so none reads the old one any more
      sweep(name, old);
    },
  };
}
