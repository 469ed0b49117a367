// The orderSummaries read model on Redis: `order:<id>` → the order's summary, for order-by-id reads in server mode.
import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import type { RedisReader, RedisSession } from '@twofold/redis';
import { orderEventTypes, type OrderEvent } from '../../domain/index.js';
import type { OrderSummary } from './order-summary-queries.js';
import { eventsOfTypes } from '../read-model-parts.js';
import { fieldsSetBy, orderSummaryWrites } from './order-summary-row.js';

/** OrderSummary as stored: JSON, so times are ISO strings. */
type StoredOrderSummary = { readonly [K in keyof OrderSummary]: OrderSummary[K] extends Date ? string : OrderSummary[K] extends Date | null ? string | null : OrderSummary[K] extends Date | undefined ? string : OrderSummary[K] };

export const orderSummaryKey = (orderId: string): string => `order:${orderId}`;


const unsetFields = {
  paidAt: null,
  shippedAt: null,
  deliveredAt: null,
  cancelledAt: null,
  cancelReason: null,
  refundCents: null,
  paymentRef: null,
  carrier: null,
  trackingNumber: null,
};

const isoTime = (time: string): string => new Date(time).toISOString();

/** The summary after `event`, or undefined to leave it as it is (a placed order placed again, or an event for an unknown order). */
export function evolveOrderSummary(current: StoredOrderSummary | undefined, event: StoredEvent<OrderEvent>): StoredOrderSummary | undefined {
  const placed = event.type === 'OrderPlaced';
  if (placed === (current !== undefined)) return undefined;
  const changed = {
    status: orderSummaryWrites[event.type].status,
    ...fieldsSetBy(event, isoTime),
    updatedAt: event.recordedAt.toISOString(),
    lastPosition: event.globalPosition,
  };
  return (placed ? { orderId: event.data.orderId, ...unsetFields, ...changed } : { ...current, ...changed }) as StoredOrderSummary;
}

// same name as the SQL projection: a deployment keeps order summaries in one store or the other
export const redisOrderSummaries: ProjectionDefinition<RedisSession> = {
  name: 'orderSummaries',
  version: 1,
  handles: orderEventTypes,
  async apply(events, session) {
    const orderEvents = eventsOfTypes<OrderEvent>(events, orderEventTypes);
    // one round trip for the batch's orders; the updates then read from the session
    await session.mget([...new Set(orderEvents.map((event) => orderSummaryKey(event.data.orderId)))]);
    for (const event of orderEvents) {
      await session.update<StoredOrderSummary>(orderSummaryKey(event.data.orderId), event, (current) => evolveOrderSummary(current, event));
    }
  },
};

const orNull = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

/** One order's summary, as `getOrderSummary` returns it from SQL; from a store's reader or inside a batch. */
export async function getRedisOrderSummary(reader: RedisReader, orderId: string): Promise<OrderSummary | undefined> {
  const stored = await reader.get<StoredOrderSummary>(orderSummaryKey(orderId));
  if (stored === undefined) return undefined;
  const { paymentDueAt, ...rest } = stored;
  return {
    ...rest,
    placedAt: new Date(stored.placedAt),
    ...(paymentDueAt === undefined || paymentDueAt === null ? {} : { paymentDueAt: new Date(paymentDueAt) }),
    paidAt: orNull(stored.paidAt),
    shippedAt: orNull(stored.shippedAt),
    deliveredAt: orNull(stored.deliveredAt),
    cancelledAt: orNull(stored.cancelledAt),
    updatedAt: new Date(stored.updatedAt),
  };
}
