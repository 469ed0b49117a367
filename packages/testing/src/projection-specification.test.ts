import type { InMemoryReadModel, ProjectionDefinition } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { inMemoryProjectionTestStore, projectionSpecification, storedEvents } from './projection-specification.js';

/** Counts deposits per account; idempotent through a per-key last position. */
const balances: ProjectionDefinition<InMemoryReadModel> = {
  name: 'balances',
  version: 1,
  handles: ['Deposited'],
  async apply(events, model) {
    for (const event of events) {
      const { account, cents } = event.data as { account: string; cents: number };
      const row = (model.get(account) as { cents: number; lastPosition: number } | undefined) ?? { cents: 0, lastPosition: 0 };
      if (row.lastPosition >= event.globalPosition) continue;
      model.set(account, { cents: row.cents + cents, lastPosition: event.globalPosition });
    }
  },
};
/** The same without the guard: a redelivery counts twice. */
const naive: ProjectionDefinition<InMemoryReadModel> = {
  ...balances,
  async apply(events, model) {
    for (const event of events) {
      const { account, cents } = event.data as { account: string; cents: number };
      model.set(account, ((model.get(account) as number | undefined) ?? 0) + cents);
    }
  },
};
/** Depends on batch boundaries: keeps only the last batch's size. */
const batchSensitive: ProjectionDefinition<InMemoryReadModel> = {
  ...balances,
  async apply(events, model) {
    model.set('batch', events.length);
  },
};
const deposited = (account: string, cents: number) => ({ type: 'Deposited', data: { account, cents }, streamId: `account-${account}` });

describe('projectionSpecification over the in-memory projection store', () => {
  it('passes an idempotent projection, and skips event types it does not handle', () =>
    projectionSpecification({ projection: balances, store: inMemoryProjectionTestStore(balances) })
      .givenEvents([deposited('a', 5), { type: 'Ignored', data: {} }, deposited('b', 1), deposited('a', 2)])
      .thenReadModel((model) => {
        expect(model.get('a')).toEqual({ cents: 7, lastPosition: 4 });
        expect(model.get('b')).toEqual({ cents: 1, lastPosition: 3 });
      }));

  it('fails a projection that counts a redelivery twice', async () => {
    await expect(
      projectionSpecification({ projection: naive, store: inMemoryProjectionTestStore(naive) })
        .givenEvents([deposited('a', 5)])
        .thenReadModel(() => undefined),
    ).rejects.toThrow(/redelivering/);
  });

  it('fails a projection whose read model depends on how the log is cut into batches', async () => {
    await expect(
      projectionSpecification({ projection: batchSensitive, store: inMemoryProjectionTestStore(batchSensitive) })
        .givenEvents([deposited('a', 5), deposited('a', 1)])
        .thenReadModel(() => undefined),
    ).rejects.toThrow(/one batch each/);
  });

  it('fails when the assertion fails', async () => {
    await expect(
      projectionSpecification({ projection: balances, store: inMemoryProjectionTestStore(balances) })
        .givenEvents([deposited('a', 5)])
        .thenReadModel((model) => expect(model.get('a')).toEqual({ cents: 6, lastPosition: 1 })),
    ).rejects.toThrow();
  });
});

describe('storedEvents', () => {
  it('numbers positions and per-stream versions in the order given, keeping what is set', () => {
    const events = storedEvents([deposited('a', 1), deposited('b', 1), deposited('a', 1), { type: 'X', data: {}, globalPosition: 10 }]);
    expect(events.map((e) => [e.streamId, e.streamVersion, e.globalPosition])).toEqual([
      ['account-a', 1, 1],
      ['account-b', 1, 2],
      ['account-a', 2, 3],
      ['stream-1', 1, 10],
    ]);
    expect(events[1]!.recordedAt.getTime() - events[0]!.recordedAt.getTime()).toBe(1000);
  });
});
