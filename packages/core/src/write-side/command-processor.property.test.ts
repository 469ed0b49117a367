import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandRejected } from '../errors.js';
import { inMemoryEventStore } from '../in-memory-event-store.js';
import type { Command, Event } from '../messages.js';
import { createCommandProcessor } from './command-processor.js';
import { singleStreamDecider } from './multi-stream-decider.js';
import { inMemorySnapshotStore } from './snapshot-store.js';
import { createStateCache } from './state-cache.js';
import { streamModel, type SnapshotPolicy } from './stream-model.js';

/** A state whose fold depends on event order: a running sum and the last few values, kept in a Map to exercise encode/decode. */
interface Tally {
  readonly sum: number;
  readonly last: ReadonlyMap<string, number>;
}
type Added = Event<'Added', { key: string; value: number }>;
type Add = Command<'Add', { stream: string; key: string; value: number; limit: number }>;

const initialState: Tally = { sum: 0, last: new Map() };
const evolve = (state: Tally, event: Added): Tally => ({ sum: state.sum * 3 + event.data.value, last: new Map(state.last).set(event.data.key, event.data.value) });
const replay = (events: readonly Added[]): Tally => events.reduce(evolve, initialState);
const policy = (version: number, every: number): SnapshotPolicy<Tally> => ({
  version,
  every,
  encode: (state) => ({ sum: state.sum, last: [...state.last] }),
  decode: (stored) => {
    const { sum, last } = stored as { sum: number; last: [string, number][] };
    return { sum, last: new Map(last) };
  },
});
const decide = (command: Add, state: Tally): Added[] => {
  if (Math.abs(state.sum) > command.data.limit) throw new CommandRejected('over_limit', 'over the limit');
  return [{ type: 'Added', data: { key: command.data.key, value: command.data.value } }];
};
const metadata = { now: new Date(0), correlationId: 'p' };

const step = fc.record({
  stream: fc.constantFrom('a', 'b', 'c'),
  key: fc.constantFrom('k1', 'k2', 'k3'),
  value: fc.integer({ min: -5, max: 5 }),
  // how the processor's cache is disturbed before this command
  evict: fc.constantFrom('none', 'none', 'stream', 'all'),
  concurrent: fc.boolean(),
});

describe('command processor states (property)', () => {
  it('cached, snapshot + tail and evicted states all decide exactly as a full replay would', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 3 }), async (steps, every, maxEntries) => {
        const eventStore = inMemoryEventStore();
        const snapshotStore = inMemorySnapshotStore();
        const cache = createStateCache({ maxEntries });
        const model = streamModel('tally', { initialState, evolve }, policy(1, every));
        const decider = singleStreamDecider('Add', model, (c: Add) => `tally-${c.data.stream}`, decide);
        const processor = createCommandProcessor({ eventStore, snapshotStore, cache, readPageSize: 3 });
        const expected = new Map<string, Added[]>();
        let pending: Promise<unknown>[] = [];
        for (const { stream, key, value, evict, concurrent } of steps) {
          if (!concurrent) await Promise.all(pending.splice(0));
          if (evict === 'stream') cache.delete(`tally-${stream}`);
          if (evict === 'all') cache.clear();
          const command: Add = { type: 'Add', data: { stream, key, value, limit: 40 }, metadata };
          pending.push(processor.execute(decider, command).catch((error: unknown) => error));
        }
        await Promise.all(pending);
        pending = [];
        await processor.close();
        for (const stream of ['a', 'b', 'c']) {
          const stored = (await eventStore.readStream(`tally-${stream}`)) as unknown as Added[];
          expected.set(stream, stored);
          // every stored event was decided on the state a replay gives at its version: the limit held each time
          stored.forEach((_, index) => expect(Math.abs(replay(stored.slice(0, index)).sum)).toBeLessThanOrEqual(40));
          const fresh = createCommandProcessor({ eventStore, snapshotStore, readPageSize: 2 });
          const probe = singleStreamDecider('Probe', model, () => `tally-${stream}`, (_: Add, state: Tally) => {
            expect(state.sum).toBe(replay(stored).sum);
            expect([...state.last]).toEqual([...replay(stored).last]);
            return [];
          });
          await fresh.execute(probe, { type: 'Add', data: { stream, key: 'k1', value: 0, limit: 0 }, metadata });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('ignores a snapshot taken under another model version', async () => {
    const eventStore = inMemoryEventStore();
    const snapshotStore = inMemorySnapshotStore();
    await eventStore.appendToStream('tally-x', [{ type: 'Added', data: { key: 'k', value: 2 } }], { expectedVersion: 'no_stream' });
    await snapshotStore.writeSnapshot({ streamId: 'tally-x', model: 'tally', modelVersion: 1, streamVersion: 1, position: 1, transactionId: 1, state: { sum: 999, last: [] } });
    const seen: number[] = [];
    for (const version of [1, 2]) {
      const model = streamModel('tally', { initialState, evolve }, policy(version, 100));
      const probe = singleStreamDecider('Probe', model, () => 'tally-x', (_: Add, state: Tally) => (seen.push(state.sum), []));
      await createCommandProcessor({ eventStore, snapshotStore }).execute(probe, { type: 'Add', data: { stream: 'x', key: 'k', value: 0, limit: 0 }, metadata });
    }
    expect(seen).toEqual([999, 2]);
  });
});
