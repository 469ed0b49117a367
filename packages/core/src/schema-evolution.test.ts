import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inMemoryEventStore } from './in-memory-event-store.js';
import { logStart } from './messages.js';
import { defineEventSchemas, evolvingEventStore, UnknownSchemaVersion } from './schema-evolution.js';

// v1 { name }, v2 { fullName }, v3 { fullName, nickname }
const personSchemas = defineEventSchemas({
  Named: {
    version: 3,
    upcasters: {
      1: (data) => ({ fullName: (data as { name: string }).name }),
      2: (data) => ({ ...(data as object), nickname: null }),
    },
  },
});

describe('defineEventSchemas', () => {
  it('refuses a chain with a missing step, or a version below 1', () => {
    expect(() => defineEventSchemas({ E: { version: 3, upcasters: { 1: (d) => d } } })).toThrow(/no upcaster from v2 to v3/);
    expect(() => defineEventSchemas({ E: { version: 0 } })).toThrow(RangeError);
    expect(() => defineEventSchemas({ E: { version: 1 } })).not.toThrow();
  });

  it('verifies stored versions: newer than the code, below 1, or versioned types it never registered are named', () => {
    expect(() => personSchemas.verify([{ type: 'Named', version: 1 }, { type: 'Named', version: 3 }, { type: 'Other', version: 1 }])).not.toThrow();
    let error: unknown;
    try {
      personSchemas.verify([{ type: 'Named', version: 4 }, { type: 'Other', version: 2 }, { type: 'Named', version: 2 }, { type: 'Named', version: 0 }]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownSchemaVersion);
    expect((error as UnknownSchemaVersion).pairs).toEqual([
      { type: 'Named', version: 4 },
      { type: 'Other', version: 2 },
      { type: 'Named', version: 0 },
    ]);
    expect((error as Error).message).toContain('Named v4, Other v2, Named v0');
  });

  it('applies exactly the steps from the stored version to the current one, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), (current, storedSeed) => {
        const stored = ((storedSeed - 1) % current) + 1;
        const upcasters = Object.fromEntries(Array.from({ length: current - 1 }, (_, i) => [i + 1, (data: unknown) => [...(data as number[]), i + 1]]));
        const schemas = defineEventSchemas({ E: { version: current, upcasters } });
        const event = { type: 'E', data: [] as number[], metadata: { schemaVersion: stored }, streamId: 's', streamVersion: 1, globalPosition: 1, transactionId: 1, eventId: 'e', recordedAt: new Date(0) };
        const upcast = schemas.upcast(event);
        expect(upcast.data).toEqual(Array.from({ length: current - stored }, (_, i) => stored + i));
        expect(upcast.metadata.schemaVersion).toBe(current);
      }),
    );
  });
});

describe('evolvingEventStore', () => {
  it('writes the current version, and reads a mixed v1/v2/v3 history in the current shape, from a stream and from the log', async () => {
    const raw = inMemoryEventStore();
    // history as older deployments wrote it: without a version (v1), then v2
    await raw.appendToStream('p-1', [{ type: 'Named', data: { name: 'Ada' } }], { expectedVersion: 'no_stream' });
    await raw.appendToStream('p-1', [{ type: 'Named', data: { fullName: 'Ada L.' }, metadata: { schemaVersion: 2, actor: 'x' } }], { expectedVersion: 1 });
    const store = evolvingEventStore(raw, personSchemas);
    await store.appendToStream('p-1', [{ type: 'Named', data: { fullName: 'Ada Lovelace', nickname: 'Ada' } }], { expectedVersion: 2 });

    expect((await raw.readStream('p-1')).map((event) => event.metadata.schemaVersion)).toEqual([undefined, 2, 3]);
    const current = [
      { fullName: 'Ada', nickname: null },
      { fullName: 'Ada L.', nickname: null },
      { fullName: 'Ada Lovelace', nickname: 'Ada' },
    ];
    expect((await store.readStream('p-1')).map((event) => event.data)).toEqual(current);
    expect((await store.readAll({ after: logStart, limit: 10 })).map((event) => event.data)).toEqual(current);
    // other metadata survives the upcast
    expect((await store.readStream('p-1'))[1]!.metadata).toMatchObject({ actor: 'x', schemaVersion: 3 });
    // the rest of the port passes through
    expect((await store.head())?.cursor).toEqual((await raw.head())?.cursor);
  });

  it('stamps appends to several streams, and leaves the markers of types a reader did not ask for alone', async () => {
    const raw = inMemoryEventStore();
    const store = evolvingEventStore(raw, personSchemas);
    await store.appendToStreams([
      { streamId: 'a', events: [{ type: 'Named', data: { fullName: 'A', nickname: null } }], expectedVersion: 'no_stream' },
      { streamId: 'b', events: [{ type: 'Other', data: {} }], expectedVersion: 'no_stream' },
    ]);
    expect((await raw.readAll({ after: logStart, limit: 10 })).map((event) => [event.type, event.metadata.schemaVersion])).toEqual([
      ['Named', 3],
      ['Other', 1],
    ]);
    await raw.appendToStream('c', [{ type: 'Named', data: { name: 'old' } }], { expectedVersion: 'no_stream' });
    const onlyOther = await store.readAll({ after: logStart, limit: 10, types: ['Other'] });
    expect(onlyOther).toHaveLength(3);
    // the v1 Named event went by as the store gave it: not upcast, so not in the current shape
    expect(onlyOther[2]!.data).not.toHaveProperty('fullName');
  });

  it('passes every other argument of an append through, so options a store adds later are not lost', async () => {
    const raw = inMemoryEventStore();
    const seen: unknown[][] = [];
    const recording = { ...raw, appendToStreams: (...args: Parameters<typeof raw.appendToStreams>) => (seen.push(args), raw.appendToStreams(...args)) };
    const store = evolvingEventStore(recording, personSchemas) as unknown as { appendToStreams: (...args: unknown[]) => Promise<unknown> };
    const options = { idempotencyKeys: [] };
    await store.appendToStreams([{ streamId: 'a', events: [{ type: 'Other', data: {} }], expectedVersion: 'no_stream' }], options);
    expect(seen[0]![1]).toBe(options);
  });

  it('fails a read of a version newer than the code, naming it', async () => {
    const raw = inMemoryEventStore();
    await raw.appendToStream('p', [{ type: 'Named', data: {}, metadata: { schemaVersion: 9 } }], { expectedVersion: 'no_stream' });
    await expect(evolvingEventStore(raw, personSchemas).readStream('p')).rejects.toThrow(/Named v9/);
  });
});
