// The read models that hold customers' personal data (order summaries in SQL and Redis, order search), each also
// redacting a customer's rows when CustomerForgotten comes: to what a rebuild after the forgetting would build.
import { forgottenValue, type ProjectionDefinition, type StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import type { RedisSession } from '@twofold/redis';
import type { OrderPlaced } from '../../domain/order.js';
import { shopPersonalFields } from '../../domain/personal-fields.js';
import { deadLetterRedactions, redactDeadLetters } from './dead-letter-redactions.js';
import { forgettingCustomers } from './forgetting-customers.js';
import { orderSearch as orderSearchInClear, orderSearchTextConfig } from '../order-search/order-search.js';
import { orderSummariesInEventStoreDatabase as orderSummariesInEventStoreDatabaseInClear } from '../order-summaries/order-summaries-in-event-store-database.js';
import { orderSummaries as orderSummariesInClear } from '../order-summaries/order-summaries.js';
import { orderSummaryKey, redisOrderSummaries as redisOrderSummariesInClear } from '../order-summaries/redis-order-summaries.js';

// every field of a personal record becomes [forgotten], as a sealed record whose key is gone reads; null stays null
const redactedRecord = (column: string): string => `(SELECT jsonb_object_agg(k, to_jsonb($2::text)) FROM jsonb_object_keys(${column}) AS k)`;

const redactOrderSummaries = `
  UPDATE order_summaries SET customer = ${redactedRecord('customer')}, shipping_address = ${redactedRecord('shipping_address')}
  WHERE customer_id = $1`;

// the vector as orderSearch builds it from the redacted order: ids, then the redacted name and email (whole and
// split at '@'), weighted A; the products, B
const orNull = (column: string): string => `CASE WHEN ${column} IS NULL THEN NULL ELSE $2::text END`;
const redactOrderSearch = `
  UPDATE order_search SET
    customer_name = ${orNull('customer_name')},
    customer_email = ${orNull('customer_email')},
    search = setweight(to_tsvector('${orderSearchTextConfig}', concat_ws(' ', order_id, customer_id, ${orNull('customer_name')}, ${orNull('customer_email')}, ${orNull('customer_email')})), 'A')
      || setweight(to_tsvector('${orderSearchTextConfig}', COALESCE((
           SELECT string_agg((l.line->>'sku') || ' ' || (l.line->>'name'), ' ' ORDER BY l.n)
           FROM jsonb_array_elements(lines) WITH ORDINALITY AS l(line, n)), '')), 'B')
  WHERE customer_id = $1`;

const sqlRedaction = (statement: string) => async (customerId: string, session: SqlSession) => void (await session.query(statement, [customerId, forgottenValue]));

export const orderSummaries: ProjectionDefinition<SqlSession> = forgettingCustomers(orderSummariesInClear, sqlRedaction(redactOrderSummaries));
export const orderSummariesInEventStoreDatabase: ProjectionDefinition<SqlSession> = forgettingCustomers(orderSummariesInEventStoreDatabaseInClear, sqlRedaction(redactOrderSummaries));
const deadLetters = deadLetterRedactions(shopPersonalFields);
// order search is kept in SQL in every deployment: its redaction also redacts the read store's parked events
export const orderSearch: ProjectionDefinition<SqlSession> = forgettingCustomers(orderSearchInClear, async (customerId, session) => {
  await sqlRedaction(redactOrderSearch)(customerId, session);
  await redactDeadLetters(deadLetters, session, customerId, forgottenValue);
});

/** Redis keeps, per customer, the ids of their orders (ids only), to find the summaries to redact. */
export const customerOrderIdsKey = (customerId: string): string => `customer-orders:${customerId}`;

const redactedValue = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? Object.fromEntries(Object.keys(value).map((field) => [field, forgottenValue])) : value === null ? null : forgottenValue;

interface PersonalSummary {
  readonly customer: unknown;
  readonly shippingAddress: unknown;
}

const withOrderIdsOfCustomers: ProjectionDefinition<RedisSession> = {
  ...redisOrderSummariesInClear,
  async apply(events, session) {
    const placed = events.filter((event): event is StoredEvent<OrderPlaced> => event.type === 'OrderPlaced');
    // one round trip for the batch's customers; the updates then read from the session
    await session.mget([...new Set(placed.map((event) => customerOrderIdsKey(event.data.customerId)))]);
    for (const event of placed) {
      const { orderId, customerId } = event.data;
      await session.update<string[]>(customerOrderIdsKey(customerId), event, (ids = []) => (ids.includes(orderId) ? undefined : [...ids, orderId]));
    }
    await redisOrderSummariesInClear.apply(events, session);
  },
};

export const redisOrderSummaries: ProjectionDefinition<RedisSession> = forgettingCustomers(withOrderIdsOfCustomers, async (customerId, session, event) => {
  const orderIds = (await session.get<string[]>(customerOrderIdsKey(customerId))) ?? [];
  await session.mget(orderIds.map(orderSummaryKey));
  for (const orderId of orderIds) {
    await session.update<PersonalSummary>(orderSummaryKey(orderId), event, (summary) =>
      summary === undefined ? undefined : { ...summary, customer: redactedValue(summary.customer), shippingAddress: redactedValue(summary.shippingAddress) },
    );
  }
});
