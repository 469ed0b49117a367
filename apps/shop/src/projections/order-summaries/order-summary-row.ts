// The orderSummaries row each order event writes: its status and which columns it sets from which of its fields.
// One table for every variant (SQL from the batch, SQL in the event store's database, Redis), so they cannot drift apart.
import type { StoredEvent } from '@twofold/core';
import type { OrderEvent, OrderLine, OrderStatus } from '../../domain/order.js';
import type { OrderSummary } from './order-summary-queries.js';

/** How a column's value is read from the event's data: text, a whole number, a time, JSON (absent: null), or the order's lines cut to the summary's four fields. */
export type ColumnKind = 'text' | 'bigint' | 'timestamptz' | 'jsonb' | 'lines';

/** A summary field an event sets: the event data's field it comes from and how to read it. */
export interface ColumnSource {
  readonly field: string;
  readonly kind: ColumnKind;
}

type SetFields = Readonly<Partial<Record<keyof OrderSummary, ColumnSource>>>;

/** Which summary fields an event sets: each from the event's field of the same name, unless its source names another. */
const fromEventFields = (columns: Readonly<Partial<Record<keyof OrderSummary, ColumnKind | ColumnSource>>>): SetFields =>
  Object.fromEntries(Object.entries(columns).map(([key, column]) => [key, typeof column === 'string' ? { field: key, kind: column } : column]));

/** What an event of each type writes; besides these, every event sets `updatedAt` (its commit time) and `lastPosition`. */
export const orderSummaryWrites: Readonly<Record<OrderEvent['type'], { readonly status: OrderStatus; readonly sets: SetFields }>> = {
  OrderPlaced: {
    status: 'placed',
    sets: fromEventFields({
      customerId: 'text',
      currency: 'text',
      totalCents: 'bigint',
      lines: 'lines',
      customer: 'jsonb',
      shippingAddress: 'jsonb',
      placedAt: 'timestamptz',
      // absent on orders placed without a payment window (before process managers, or by the demo seed)
      paymentDueAt: 'timestamptz',
    }),
  },
  OrderPaid: { status: 'paid', sets: fromEventFields({ paidAt: 'timestamptz', paymentRef: 'text' }) },
  OrderShipped: { status: 'shipped', sets: fromEventFields({ shippedAt: 'timestamptz', carrier: 'text', trackingNumber: 'text' }) },
  OrderDelivered: { status: 'delivered', sets: fromEventFields({ deliveredAt: 'timestamptz' }) },
  OrderCancelled: { status: 'cancelled', sets: fromEventFields({ cancelledAt: 'timestamptz', cancelReason: { field: 'reason', kind: 'text' }, refundCents: 'bigint' }) },
};

/** The table's column for a summary field: `paymentRef` → `payment_ref`. */
export const columnOf = (key: string): string => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The fields an event sets, keyed by summary field, read from its data; times as `timeOf` gives them. */
export function fieldsSetBy(event: StoredEvent<OrderEvent>, timeOf: (value: string) => string): Record<string, unknown> {
  const data = event.data as unknown as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const [key, { field, kind }] of Object.entries(orderSummaryWrites[event.type].sets)) {
    const value = data[field];
    if (kind === 'lines') fields[key] = (value as readonly OrderLine[]).map(({ sku, name, quantity, unitPriceCents }) => ({ sku, name, quantity, unitPriceCents }));
    else if (kind === 'jsonb') fields[key] = value ?? null;
    else if (kind === 'timestamptz') fields[key] = value === undefined || value === null ? null : timeOf(value as string);
    else fields[key] = value;
  }
  return fields;
}
