// The orderSummaries read model on Redis: exactly-once effect under redelivery, the same summaries as SQL, and a daemon running it.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { createConsistencyGate, createProjectionDaemon, inMemoryEventStore, logStart, type StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { createRedisClient, redisProjectionStore, type RedisProjectionStore } from '@twofold/redis';
import { sqlProjectionTestStore, storedEvents, type GivenEvent } from '@twofold/testing';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { orderStream, type OrderEvent, type OrderLine } from '../../domain/index.js';
import { orderSummaries } from './order-summaries.js';
import { getOrderSummary } from './order-summary-queries.js';
import { getRedisOrderSummary, redisOrderSummaries } from './redis-order-summaries.js';

const redisUrl = process.env['TWOFOLD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const redis = createRedisClient(redisUrl);
const opened: { store: RedisProjectionStore; keyPrefix: string }[] = [];

function openStore(): { store: RedisProjectionStore; keyPrefix: string } {
  const keyPrefix = `twofold-test:${randomBytes(5).toString('hex')}:`;
  const opening = { store: redisProjectionStore(redis, { keyPrefix }), keyPrefix };
  opened.push(opening);
  return opening;
}

async function keysUnder(pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** Every read-model key with its stored fields (value and the cursor of its last write). */
async function readModelState(keyPrefix: string): Promise<Record<string, Record<string, string>>> {
  const keys = await keysUnder(`${keyPrefix}rm:*`);
  return Object.fromEntries(await Promise.all(keys.map(async (key) => [key.slice(keyPrefix.length), await redis.hgetall(key)] as const)));
}

afterEach(async () => {
  for (const { store, keyPrefix } of opened.splice(0)) {
    await store.close();
    const keys = await keysUnder(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
});
afterAll(() => redis.quit());

const line: OrderLine = { sku: 'MUG-1', name: 'Mug', quantity: 2, unitPriceCents: 1250, merchantId: 'm-1' };
const on = (orderId: string, event: OrderEvent): GivenEvent => ({ ...event, streamId: orderStream(orderId) });
const placed = (orderId: string): GivenEvent =>
  on(orderId, {
    type: 'OrderPlaced',
    data: {
      orderId,
      customerId: `c-${orderId}`,
      currency: 'EUR',
      lines: [line],
      totalCents: 2500,
      customer: { name: 'Ada', email: 'ada@example.com' },
      shippingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
      placedAt: '2025-03-01T10:00:00.000Z',
    },
  });
const paid = (orderId: string): GivenEvent =>
  on(orderId, { type: 'OrderPaid', data: { orderId, amountCents: 2500, currency: 'EUR', paymentRef: `pay-${orderId}`, paidAt: '2025-03-01T11:00:00.000Z' } });
const shipped = (orderId: string): GivenEvent =>
  on(orderId, { type: 'OrderShipped', data: { orderId, carrier: 'DHL', trackingNumber: `T-${orderId}`, shippedAt: '2025-03-02T09:00:00.000Z' } });
const delivered = (orderId: string): GivenEvent => on(orderId, { type: 'OrderDelivered', data: { orderId, deliveredAt: '2025-03-03T15:00:00.000Z' } });
const cancelled = (orderId: string, refundCents: number): GivenEvent =>
  on(orderId, {
    type: 'OrderCancelled',
    data: { orderId, reason: 'changed my mind', refundCents, currency: 'EUR', lines: [line], cancelledAt: '2025-03-01T12:00:00.000Z' },
  });
const reserved = (orderId: string): GivenEvent => ({ type: 'StockReserved', data: { sku: 'MUG-1', orderId, quantity: 2 }, streamId: 'product-MUG-1' });

const histories: GivenEvent[][] = [
  [placed('a'), reserved('a'), paid('a'), shipped('a'), delivered('a')],
  [placed('b'), reserved('b'), cancelled('b', 0)],
  [placed('c'), paid('c'), cancelled('c', 2500)],
  [placed('d'), paid('d'), shipped('d')],
];
const orderIds = ['a', 'b', 'c', 'd'];
const total = histories.flat().length;

/** Any interleaving of the streams that keeps each one in order. */
const interleavings = fc.array(fc.nat(histories.length - 1), { minLength: total, maxLength: total }).map((picks) => {
  const next = histories.map(() => 0);
  const log: GivenEvent[] = [];
  for (const pick of picks) {
    for (let offset = 0; offset < histories.length; offset++) {
      const stream = (pick + offset) % histories.length;
      const event = histories[stream]![next[stream]!];
      if (event === undefined) continue;
      next[stream]!++;
      log.push(event);
      break;
    }
  }
  return storedEvents(log);
});

/** Batches as the daemon commits them: the handled events of each, chained from checkpoint to checkpoint. */
async function deliver(
  store: RedisProjectionStore,
  batches: readonly (readonly StoredEvent[])[],
  afterBatch: () => Promise<void> = async () => undefined,
): Promise<void> {
  const handled = new Set(redisOrderSummaries.handles);
  let from = (await store.prepare(redisOrderSummaries)).cursor;
  for (const batch of batches) {
    const last = batch.at(-1)!;
    const to = { cursor: { transactionId: last.transactionId, position: last.globalPosition }, lastEventAt: last.recordedAt };
    const relevant = batch.filter((event) => handled.has(event.type));
    await store.commitBatch(redisOrderSummaries.name, from, to, (session) => redisOrderSummaries.apply(relevant, session));
    from = to.cursor;
    await afterBatch();
  }
}

const inBatchesOf = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

describe('redisOrderSummaries', () => {
  it('Redis read model: every event delivered twice and out of batch boundaries changes nothing', async () => {
    // a redelivery: the whole history again in other batches, then windows of the log that overlap and repeat (late,
    // stale events), some events twice within a batch
    const redelivery = (events: readonly StoredEvent[]) =>
      fc
        .tuple(
          fc.integer({ min: 1, max: events.length }),
          fc.array(fc.record({ start: fc.nat(events.length - 1), length: fc.integer({ min: 1, max: events.length }), doubled: fc.nat(events.length - 1) }), {
            minLength: 1,
            maxLength: 6,
          }),
        )
        .map(([size, windows]) => [
          ...inBatchesOf(events, size),
          ...windows.map(({ start, length, doubled }) => {
            const window = events.slice(start, start + length);
            const twice = doubled % window.length;
            return [...window.slice(0, twice + 1), ...window.slice(twice)];
          }),
        ]);
    const scenarios = interleavings.chain((events) => fc.tuple(fc.constant(events), fc.integer({ min: 1, max: 5 }), redelivery(events)));

    await fc.assert(
      fc.asyncProperty(scenarios, async ([events, k, batches]) => {
        const { store, keyPrefix } = openStore();
        await deliver(store, inBatchesOf(events, k));
        const once = await readModelState(keyPrefix);
        const summaries = await Promise.all(orderIds.map((id) => getRedisOrderSummary(store.reader('orderSummaries'), id)));
        expect(summaries.map((summary) => summary?.status)).toEqual(['delivered', 'cancelled', 'cancelled', 'shipped']);

        // the checkpoint starts over (as after a restore of an old Redis snapshot), so the CAS lets every batch through
        await redis.hdel(`${keyPrefix}checkpoints`, redisOrderSummaries.name);
        expect((await store.prepare(redisOrderSummaries)).cursor).toEqual(logStart);
        // everything is applied already: no redelivered batch may change anything
        const unchanged = async (): Promise<void> => expect(await readModelState(keyPrefix)).toEqual(once);
        await deliver(store, batches, unchanged);

        // and a third time, one batch per event
        await redis.hdel(`${keyPrefix}checkpoints`, redisOrderSummaries.name);
        await deliver(store, events.map((event) => [event]), unchanged);
      }),
      { numRuns: 25 },
    );
  });

  describe('gives the same summaries as the SQL read model', () => {
    let db: PGlite;
    beforeAll(async () => {
      db = new PGlite();
      await db.waitReady;
    }, 30_000);
    afterAll(() => db?.close());

    it('for every order of a history', async () => {
      const events = storedEvents(histories.flat());
      const sql = await sqlProjectionTestStore<SqlSession>(db, { tables: ['order_summaries'] })();
      await sql.transaction((session) => orderSummaries.setup!(session));
      await sql.transaction((session) => orderSummaries.apply(events, session));
      const { store } = openStore();
      await deliver(store, inBatchesOf(events, 3));
      for (const id of [...orderIds, 'unknown']) {
        expect(await getRedisOrderSummary(store.reader('orderSummaries'), id)).toEqual(await getOrderSummary(db, id));
      }
    });
  });

  it('is kept up to date by a projection daemon, and read-your-writes waits for it', async () => {
    const eventStore = inMemoryEventStore();
    const { store } = openStore();
    const daemon = createProjectionDaemon({ eventStore, projectionStore: store, projections: [redisOrderSummaries], batchSize: 2, pollIntervalMs: 20 });
    const gate = createConsistencyGate({ eventStore, projectionStore: store });
    daemon.start();
    try {
      let token = 0;
      for (const event of [placed('a'), paid('a'), shipped('a'), placed('b')]) {
        const { streamId, ...written } = event;
        token = (await eventStore.appendToStream(streamId!, [written as OrderEvent], { expectedVersion: 'any' })).position;
      }
      const freshness = await gate.waitFor(['orderSummaries'], token, 5_000);
      expect(freshness.caughtUp).toBe(true);
      expect(await getRedisOrderSummary(store.reader('orderSummaries'), 'a')).toMatchObject({ status: 'shipped', carrier: 'DHL', lastPosition: 3 });
      expect(await getRedisOrderSummary(store.reader('orderSummaries'), 'b')).toMatchObject({ status: 'placed', lastPosition: 4 });
    } finally {
      await daemon.stop();
    }
  });
});
