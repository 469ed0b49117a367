// An order's history from the event store: every event of its stream, oldest first, each said in a line.
import { dateTime, money } from '../api.js';
import type { StreamHistory } from '../shop-types.js';

const describe = (type: string, data: Record<string, unknown>): string => {
  switch (type) {
    case 'OrderPlaced':
      return `${String(data.customerId)} placed ${(data.lines as unknown[] | undefined)?.length ?? 0} line(s), ${money(Number(data.totalCents), String(data.currency))}`;
    case 'OrderPaid':
      return `paid ${money(Number(data.amountCents), String(data.currency))} (${String(data.paymentRef)})`;
    case 'OrderShipped':
      return `shipped with ${String(data.carrier)}, tracking ${String(data.trackingNumber)}`;
    case 'OrderDelivered':
      return 'delivered';
    case 'OrderCancelled':
      return `cancelled: ${String(data.reason)}${Number(data.refundCents) > 0 ? `, refunded ${money(Number(data.refundCents), String(data.currency))}` : ''}`;
    default:
      return '';
  }
};

export function OrderHistory({ orderId, history }: { readonly orderId: string; readonly history: StreamHistory | undefined }) {
  return (
    <>
      <h2>History</h2>
      <p class="muted">From the event store: every event of the stream order-{orderId}, oldest first.</p>
      <ol class="timeline" data-testid="timeline">
        {history?.events.map((event) => (
          <li key={event.globalPosition}>
            <strong>{event.type}</strong> <span class="muted">v{event.streamVersion} · position {event.globalPosition} · {dateTime(event.recordedAt)}</span>
            <div>{describe(event.type, event.data as Record<string, unknown>)}</div>
          </li>
        ))}
      </ol>
    </>
  );
}
