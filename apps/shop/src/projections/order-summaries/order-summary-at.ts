// Time travel for one order: its summary as it was at a point in the log, folded from its stream.
import { appendedBy, type PointInLog, type StoredEvent } from '@twofold/core';
import { orderEventTypes, type OrderEvent } from '../../domain/order.js';
import { evolveOrderSummary } from './redis-order-summaries.js';

export type PastOrderSummary = NonNullable<ReturnType<typeof evolveOrderSummary>>;

const handled = new Set<string>(orderEventTypes);

/**
 * Folds the order's events appended by the point with the same evolution the key-value read model applies, so a
 * past answer has the shape of today's `GET /api/orders/:id`. Undefined when the order did not exist yet.
 */
export function orderSummaryAt(stream: readonly StoredEvent[], point: PointInLog): { answer: PastOrderSummary; position: number; recordedAt: Date } | undefined {
  let summary: PastOrderSummary | undefined;
  let last: StoredEvent | undefined;
  for (const event of stream) {
    // a stream's positions and commit times rise with its versions: the first event past the point ends the fold
    if (!appendedBy(event, point)) break;
    if (!handled.has(event.type)) continue;
    summary = evolveOrderSummary(summary, event as StoredEvent<OrderEvent>) ?? summary;
    last = event;
  }
  return summary === undefined || last === undefined ? undefined : { answer: summary, position: last.globalPosition, recordedAt: last.recordedAt };
}
