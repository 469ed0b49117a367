// A batch on Redis: applied to a buffered session, its writes sent ahead in chunks, and the checkpoint moved in the
// same script as the last chunk and the dead letters, only if it is still where the batch started.
import { CheckpointMoved, compareCursors, type CheckpointAdvance, type CommitBatchOptions, type LogCursor } from '@twofold/core';
import { writeAllButLast } from './redis-batch-writes.js';
import { cursorFrom } from './redis-checkpoint.js';
import { readStoredCheckpoint } from './redis-checkpoints.js';
import { runScript, type Redis } from './redis-client.js';
import { storedLetter } from './redis-dead-letter.js';
import { redisCall } from './redis-errors.js';
import type { RedisProjectionKeys } from './redis-projection-keys.js';
import { bufferedRedisSession, writeArguments, type RedisSession } from './redis-session.js';
import { commitScript } from './scripts.js';

export interface RedisBatch {
  readonly name: string;
  readonly from: LogCursor;
  readonly to: CheckpointAdvance;
  readonly apply: (session: RedisSession) => Promise<void>;
  readonly options: CommitBatchOptions;
}

export async function commitBatch(redis: Redis, keys: RedisProjectionKeys, maxWritesPerScript: number, batch: RedisBatch): Promise<void> {
  const { name, from, to, apply, options } = batch;
  const { deadLetters = [] } = options;
  const current = await readStoredCheckpoint(redis, keys, name);
  if (current === undefined) throw new CheckpointMoved(name);
  const liveGeneration = current.generation ?? 1;
  const live = options.generation === undefined || options.generation === liveGeneration;
  const rebuild = current.rebuild ?? undefined;
  if (!live && rebuild?.generation !== options.generation) throw new CheckpointMoved(name);
  const generation = live ? liveGeneration : rebuild!.generation;
  if (compareCursors(cursorFrom(live ? current : rebuild!), from) !== 0) throw new CheckpointMoved(name);
  const session = bufferedRedisSession(redis, keys.prefix, name, generation);
  await apply(session);
  const last = await writeAllButLast(redis, session.seal(), maxWritesPerScript);
  const letters = deadLetters.flatMap((letter) => [letter.event.eventId, storedLetter(letter)]);
  const scriptKeys = [keys.checkpoints, keys.letters(name), keys.letterEvents(name), keys.letterSequence, ...last.map((w) => w.key)];
  const moved = await redisCall(
    runScript(redis, commitScript, scriptKeys, [
      name,
      live ? 'live' : 'rebuild',
      String(generation),
      String(from.transactionId),
      String(from.position),
      String(to.cursor.transactionId),
      String(to.cursor.position),
      to.lastEventAt.toISOString(),
      new Date().toISOString(),
      keys.checkpointMovedChannel,
      String(deadLetters.length),
      ...letters,
      ...writeArguments(last),
    ]),
  );
  if (moved !== 1) throw new CheckpointMoved(name);
}
