// The contract every SnapshotStore runs: round-trips, the keep-newest rule per model version, models kept apart.
import { randomUUID } from 'node:crypto';
import type { Snapshot, SnapshotStore } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { suiteFixture } from './suite-fixture.js';

export interface SnapshotStoreFixture {
  readonly store: SnapshotStore;
  /** Closes the store and whatever the factory opened for it. */
  close(): Promise<void>;
}

/** Opens a store over fresh, empty storage. */
export type SnapshotStoreFactory = () => Promise<SnapshotStoreFixture>;

const stream = (label: string): string => `${label}-${randomUUID()}`;
const snapshot = (streamId: string, fields: Partial<Snapshot> = {}): Snapshot => ({
  streamId,
  model: 'order',
  modelVersion: 1,
  streamVersion: 1,
  position: 1,
  transactionId: 1,
  state: { status: 'placed' },
  ...fields,
});

/** Defines the suite. Tests share one store, each on its own streams. */
export function snapshotStoreContract(name: string, factory: SnapshotStoreFactory): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    const fixture = suiteFixture(factory);
    const store = (): SnapshotStore => fixture()!.store;

    roundTripTests(store);
    keepingTheNewestTests(store);
  });
}

/** What is written reads back whole and unshared; nothing reads back that was not written. */
function roundTripTests(store: () => SnapshotStore): void {
  it('has no snapshot of a stream or model never written', async () => {
    const id = stream('missing');
    expect(await store().readSnapshot(id, 'order')).toBeUndefined();
    await store().writeSnapshot(snapshot(id));
    expect(await store().readSnapshot(id, 'other')).toBeUndefined();
    expect(await store().readSnapshot(stream('missing'), 'order')).toBeUndefined();
  });

  it('reads back what was written: nested JSON, unicode, and positions beyond 2^32 exact', async () => {
    const id = stream('round-trip');
    const state = {
      status: 'paid',
      lines: [{ sku: 'x"y\\z', quantity: 2, tags: ['a', 'b'] }, { sku: 'ü', quantity: 1, tags: [] }],
      note: 'üñí ☃ 注文 🧾',
      nested: { deeper: { deepest: { n: -1.5, flag: false, nothing: null } } },
      empty: {},
    };
    const written = snapshot(id, { modelVersion: 3, streamVersion: 2 ** 33 + 7, position: 2 ** 40 + 3, transactionId: 2 ** 35 + 1, state });
    await store().writeSnapshot(written);
    expect(await store().readSnapshot(id, 'order')).toEqual(written);
  });

  it('keeps no reference to a state written or read', async () => {
    const id = stream('copied');
    const state = { items: [{ n: 1 }] };
    await store().writeSnapshot(snapshot(id, { state }));
    state.items[0]!.n = 2;
    const read = await store().readSnapshot(id, 'order');
    (read!.state as typeof state).items[0]!.n = 3;
    expect((await store().readSnapshot(id, 'order'))?.state).toEqual({ items: [{ n: 1 }] });
  });
}

/** Which snapshot of a stream and model the store keeps when several are written. */
function keepingTheNewestTests(store: () => SnapshotStore): void {
  it('keeps a snapshot of the same model version and a higher or equal stream version', async () => {
    const id = stream('newest');
    const newest = snapshot(id, { streamVersion: 5, position: 50, state: { v: 5 } });
    await store().writeSnapshot(newest);
    await store().writeSnapshot(snapshot(id, { streamVersion: 3, position: 30, state: { v: 3 } }));
    expect(await store().readSnapshot(id, 'order')).toEqual(newest);
    await store().writeSnapshot(snapshot(id, { streamVersion: 5, position: 50, state: { v: 'again' } }));
    expect(await store().readSnapshot(id, 'order')).toEqual(newest);
    const newer = snapshot(id, { streamVersion: 6, position: 60, transactionId: 2, state: { v: 6 } });
    await store().writeSnapshot(newer);
    expect(await store().readSnapshot(id, 'order')).toEqual(newer);
  });

  it('ends with the highest stream version when writes race', async () => {
    const id = stream('race');
    const versions = [4, 9, 1, 7, 3, 8, 2, 6, 5];
    await Promise.all(versions.map((v) => store().writeSnapshot(snapshot(id, { streamVersion: v, position: v * 10, state: { v } }))));
    expect((await store().readSnapshot(id, 'order'))?.state).toEqual({ v: 9 });
  });

  it('replaces a snapshot of another model version, even with a lower stream version', async () => {
    const id = stream('model-version');
    await store().writeSnapshot(snapshot(id, { modelVersion: 1, streamVersion: 9, position: 90, state: { shape: 'old' } }));
    const upgraded = snapshot(id, { modelVersion: 2, streamVersion: 4, position: 40, state: { shape: 'new' } });
    await store().writeSnapshot(upgraded);
    expect(await store().readSnapshot(id, 'order')).toEqual(upgraded);
    // and back: a version is another version, not an older one
    const rolledBack = snapshot(id, { modelVersion: 1, streamVersion: 2, position: 20, state: { shape: 'old again' } });
    await store().writeSnapshot(rolledBack);
    expect(await store().readSnapshot(id, 'order')).toEqual(rolledBack);
  });

  it('keeps the snapshots of two models of one stream apart', async () => {
    const id = stream('two-models');
    const summary = snapshot(id, { model: 'order-summary', modelVersion: 1, streamVersion: 7, position: 70, state: { total: 3 } });
    const lines = snapshot(id, { model: 'order-lines', modelVersion: 4, streamVersion: 2, position: 20, state: { lines: [] } });
    await store().writeSnapshot(summary);
    await store().writeSnapshot(lines);
    expect(await store().readSnapshot(id, 'order-summary')).toEqual(summary);
    expect(await store().readSnapshot(id, 'order-lines')).toEqual(lines);
    const newerLines = { ...lines, streamVersion: 3, position: 30, state: { lines: ['x'] } };
    await store().writeSnapshot(newerLines);
    expect(await store().readSnapshot(id, 'order-summary')).toEqual(summary);
    expect(await store().readSnapshot(id, 'order-lines')).toEqual(newerLines);
    expect(await store().readSnapshot(stream('two-models'), 'order-summary')).toBeUndefined();
  });
}
