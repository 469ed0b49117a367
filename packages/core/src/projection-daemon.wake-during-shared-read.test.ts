// Regression: a runner woken by an append joined another runner's read of the same place, begun before that append
// committed; its empty answer sent the runner back to sleep until the poll interval (a read with a token answered 404).
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore } from './event-store.js';
import { inMemoryEventStore } from './in-memory-event-store.js';
import { inMemoryProjectionStore, type InMemoryProjectionStore, type InMemoryReadModel } from './in-memory-projection-store.js';
import type { ProjectionDefinition } from './projection.js';
import { createProjectionDaemon, type ProjectionDaemon } from './projection-daemon.js';

const counting = (name: string): ProjectionDefinition<InMemoryReadModel> => ({
  name,
  version: 1,
  handles: ['Counted'],
  apply: async (events, model) => {
    for (const event of events) model.set(event.streamId, ((model.get(event.streamId) as number | undefined) ?? 0) + 1);
  },
});

const until = async (check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An event store one of whose reads can be held: it answers what the log held when it was asked, once released. */
function holdingReads(inner: EventStore): { eventStore: EventStore; reads: () => number; holdNextRead: () => { started: Promise<void>; release: () => void } } {
  let reads = 0;
  let hold: { started: () => void; released: Promise<void> } | undefined;
  const eventStore: EventStore = {
    ...inner,
    readAll(options) {
      reads++;
      const answer = inner.readAll(options);
      if (hold === undefined) return answer;
      const { started, released } = hold;
      hold = undefined;
      started();
      return released.then(() => answer);
    },
  };
  return {
    eventStore,
    reads: () => reads,
    holdNextRead() {
      let release!: () => void;
      let started!: () => void;
      const startedReading = new Promise<void>((r) => (started = r));
      hold = { started, released: new Promise<void>((r) => (release = r)) };
      return { started: startedReading, release };
    },
  };
}

/** The projection store, with the preparation of `late` held until `startLate()`: that runner starts after the others went idle. */
function lateStarter(store: InMemoryProjectionStore): { projectionStore: InMemoryProjectionStore; startLate: () => void } {
  let startLate!: () => void;
  const lateMayStart = new Promise<void>((r) => (startLate = r));
  const projectionStore: InMemoryProjectionStore = {
    ...store,
    async prepare(projection) {
      if (projection.name === 'late') await lateMayStart;
      return store.prepare(projection);
    },
  };
  return { projectionStore, startLate };
}

describe('a projection daemon whose runners share reads of the log', () => {
  const daemons: ProjectionDaemon[] = [];
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.stop()));
  });

  it('gives a runner woken by an append a read begun after it, not the empty answer of one begun before', async () => {
    const inner = inMemoryEventStore();
    const { eventStore, reads, holdNextRead } = holdingReads(inner);
    const store = inMemoryProjectionStore();
    const { projectionStore, startLate } = lateStarter(store);
    // a long poll interval: only the wake-up can bring the append in time
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [counting('early'), counting('late')], pollIntervalMs: 60_000 });
    daemons.push(daemon);
    daemon.start();

    // `early` read the empty log and waits for a wake-up
    await until(() => reads() >= 1, 1_000);
    await pause(20);
    // `late` starts and reads the same place; its read is held, answering the log as it is now (empty)
    const held = holdNextRead();
    startLate();
    await held.started;
    // an append commits while that read is in flight: its announcement wakes both runners
    await inner.appendToStream('s', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    await pause(20);
    held.release();

    await until(() => store.readModel('late').get('s') === 1, 1_000);
    // `early` was waiting when the append was announced: it must read the log again, not share the older read
    await until(() => store.readModel('early').get('s') === 1, 1_000);
    expect((await store.readCheckpoints()).map((c) => [c.name, c.cursor.position]).sort()).toEqual([
      ['early', 1],
      ['late', 1],
    ]);
  });
});
