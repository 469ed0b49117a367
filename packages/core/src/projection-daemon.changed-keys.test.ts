// What a daemon tells its progress listeners of each change readers may see: the batch's place (after → cursor) and the
// keys it changed, so an answer cache can keep the rest; and "all" where readers may see anything changed.
import { afterEach, describe, expect, it } from 'vitest';
import { inMemoryEventStore } from './in-memory-event-store.js';
import { inMemoryProjectionStore, type InMemoryReadModel } from './in-memory-projection-store.js';
import type { ProjectionDefinition } from './projection.js';
import { listing, until } from './projection-daemon.fixture.js';
import { createProjectionDaemon, type AppliedBatch, type ProjectionDaemon } from './projection-daemon.js';

/** The listing projection, naming the stream as the key each event changes. */
const keyed = (poison: Set<number>) => listing(poison, { keysChangedBy: (event) => [event.streamId] });

describe('the changes a daemon reports', () => {
  const daemons: ProjectionDaemon[] = [];
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.stop()));
  });

  function setup(projection: ProjectionDefinition<InMemoryReadModel>) {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [projection], retryBackoffMs: 1, batchSize: 2, pollIntervalMs: 10 });
    daemons.push(daemon);
    const reported: AppliedBatch[] = [];
    daemon.onProgress((batch) => reported.push(batch));
    const add = (stream: string, value: number, type = 'Added') => eventStore.appendToStream(stream, [{ type, data: { value } }], { expectedVersion: 'any' });
    return { projectionStore, daemon, reported, add };
  }

  it('names the keys of the events each batch applied, and each batch follows on from the last', async () => {
    const { projectionStore, daemon, reported, add } = setup(keyed(new Set()));
    await add('a', 1);
    await add('b', 2);
    await add('a', 3, 'Ignored');
    const last = await add('c', 4);
    daemon.start();
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === last.position);
    expect(reported.map((batch) => batch.changed)).toEqual([['a', 'b'], ['c']]);
    expect(reported[0]!.after).toEqual({ transactionId: 0, position: 0 });
    expect(reported[1]!.after).toEqual(reported[0]!.cursor);
  });

  it('says all where the projection names no keys', async () => {
    const { projectionStore, daemon, reported, add } = setup(listing(new Set()));
    const last = await add('a', 1);
    daemon.start();
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === last.position);
    expect(reported.map((batch) => batch.changed)).toEqual(['all']);
  });

  it('names nothing for a rebuild’s batches, and all when readers switch to the rebuilt generation', async () => {
    const { projectionStore, daemon, reported, add } = setup(keyed(new Set()));
    await add('a', 1);
    const last = await add('b', 2);
    daemon.start();
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === last.position);
    reported.length = 0;
    await projectionStore.requestRebuild('lists', 1);
    await until(() => reported.some((batch) => batch.changed === 'all'));
    const rebuilt = reported.filter((batch) => !batch.live);
    expect(rebuilt.length).toBeGreaterThan(0);
    expect(rebuilt.every((batch) => Array.isArray(batch.changed) && batch.changed.length === 0)).toBe(true);
    const switched = reported.find((batch) => batch.changed === 'all')!;
    expect(switched).toMatchObject({ live: true, applied: [], cursor: { position: last.position } });
    expect(switched.after).toEqual(switched.cursor);
  });

  it('says all when parked events are applied on retry (no batch moves the checkpoint)', async () => {
    const poison = new Set([13]);
    const { projectionStore, daemon, reported, add } = setup(keyed(poison));
    await add('a', 13);
    daemon.start();
    await until(async () => (await projectionStore.readDeadLetters('lists')).length === 1);
    reported.length = 0;
    poison.clear();
    await projectionStore.requestDeadLetterRetry('lists');
    await until(async () => (await projectionStore.readDeadLetters('lists')).length === 0);
    await until(() => reported.length > 0);
    expect(reported.map((batch) => batch.changed)).toEqual(['all']);
    expect(projectionStore.readModel('lists').get('a')).toEqual([13]);
  });
});
