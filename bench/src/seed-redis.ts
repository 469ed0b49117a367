// The orderSummaries read model in Redis for the query benchmark, copied from the rows seeded in SQL, and cleanup by key prefix.
import { readModelKey, type Redis } from '@twofold/redis';
import { orderSummaryKey, redisOrderSummaries } from '@twofold/shop';
import type pg from 'pg';

const isoUtc = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Orders o-first..o-(first+count-1) from order_summaries into Redis, in the layout @twofold/redis keeps a read model
 * in (a hash per key, the value as JSON in `v`) and the shape redisOrderSummaries stores.
 */
export async function seedRedisOrderSummaries(client: pg.ClientBase | pg.Pool, redis: Redis, keyPrefix: string, first: number, count: number): Promise<void> {
  const { rows } = await client.query<{ order_id: string; position: string; summary: string }>(
    `SELECT s.order_id, s.last_position::text AS position,
            jsonb_build_object('orderId', s.order_id, 'customerId', s.customer_id, 'status', s.status, 'currency', s.currency,
              'totalCents', s.total_cents, 'lines', s.lines, 'customer', s.customer, 'shippingAddress', s.shipping_address,
              'placedAt', ${isoUtc('s.placed_at')}, 'paidAt', null, 'shippedAt', null, 'deliveredAt', null, 'cancelledAt', null,
              'cancelReason', null, 'refundCents', null, 'paymentRef', null, 'carrier', null, 'trackingNumber', null,
              'updatedAt', ${isoUtc('s.updated_at')}, 'lastPosition', s.last_position)::text AS summary
     FROM generate_series($1::int, $1::int + $2::int - 1) AS i
     JOIN order_summaries s ON s.order_id = 'o-' || i`,
    [first, count],
  );
  const perPipeline = 10_000;
  for (let at = 0; at < rows.length; at += perPipeline) {
    const pipeline = redis.pipeline();
    for (const row of rows.slice(at, at + perPipeline)) {
      pipeline.hset(readModelKey(keyPrefix, redisOrderSummaries.name, orderSummaryKey(row.order_id)), 'v', row.summary, 't', '0', 'p', row.position);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed !== undefined) throw failed[0];
  }
}

/** Deletes every key under the prefix (SCAN, then UNLINK): a benchmark's keys, never anyone else's. */
export async function deleteRedisKeys(redis: Redis, keyPrefix: string): Promise<void> {
  for (let cursor = '0'; ; ) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 10_000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
}
