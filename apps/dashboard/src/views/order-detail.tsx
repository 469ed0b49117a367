// One order: its details from the read model, its full history from the event store, and the commands it allows.
import { useEffect, useState } from 'preact/hooks';
import { dateTime, get, money, type Freshness } from '../api.js';
import { sendAndConfirm } from '../confirm.js';
import type { OrderDetails, OrderStatus, StreamHistory } from '../shop-types.js';
import { FreshnessNote } from './freshness-note.js';

type Action = 'pay' | 'ship' | 'deliver' | 'cancel';
const allowed: Readonly<Record<OrderStatus, readonly Action[]>> = {
  placed: ['pay', 'cancel'],
  paid: ['ship', 'cancel'],
  shipped: ['deliver'],
  delivered: [],
  cancelled: [],
};

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

export function OrderDetailView({ orderId }: { readonly orderId: string }) {
  const [order, setOrder] = useState<OrderDetails | undefined>(undefined);
  const [freshness, setFreshness] = useState<Freshness | undefined>(undefined);
  const [history, setHistory] = useState<StreamHistory | undefined>(undefined);
  const [error, setError] = useState('');
  const [pending, setPending] = useState<{ readonly action: Action; readonly state: string } | undefined>(undefined);

  const path = `/api/orders/${encodeURIComponent(orderId)}`;
  const load = async (minPosition?: number): Promise<void> => {
    const [details, stream] = await Promise.all([get<OrderDetails>(path, minPosition === undefined ? {} : { minPosition }), get<StreamHistory>(`/api/streams/${encodeURIComponent(`order-${orderId}`)}`)]);
    if (details.ok) {
      setOrder(details.body);
      setFreshness(details.freshness);
      setError('');
    } else setError(details.error.message);
    if (stream.ok) setHistory(stream.body);
  };
  useEffect(() => void load(), [orderId]);

  async function act(action: Action): Promise<void> {
    if (order === undefined) return;
    const bodies: Record<Action, unknown> = {
      pay: { amountCents: order.totalCents, paymentRef: `card-${Date.now().toString(36)}` },
      ship: { carrier: 'DemoPost', trackingNumber: `DP${Date.now().toString(36).toUpperCase()}` },
      deliver: {},
      cancel: { reason: 'cancelled from the dashboard' },
    };
    setPending({ action, state: 'pending' });
    const outcome = await sendAndConfirm<OrderDetails>(`${path}/${action}`, bodies[action], path);
    if (outcome.state === 'refused') setPending({ action, state: `refused: ${outcome.error.message}` });
    else {
      setPending({ action, state: outcome.state === 'confirmed' ? 'confirmed' : 'accepted, not yet visible' });
      await load(outcome.position);
    }
  }

  return (
    <section aria-labelledby="order-title">
      <p>
        <a href="#/orders">← Orders</a>
      </p>
      <h1 tabIndex={-1} id="order-title">Order {orderId}</h1>
      {error === '' ? null : (
        <p class="error" role="alert">
          {error}{' '}
          <button type="button" onClick={() => void load()}>
            Try again
          </button>
        </p>
      )}
      {order === undefined ? null : (
        <>
          <FreshnessNote freshness={freshness} what="This order" />
          <dl class="details">
            <dt>Status</dt>
            <dd>
              <span class={`status status-${order.status}`} data-testid="order-status">
                {order.status}
              </span>
            </dd>
            <dt>Customer</dt>
            <dd>
              {order.customer?.name ?? order.customerId} {order.customer === null ? '' : `<${order.customer.email}>`}
            </dd>
            <dt>Total</dt>
            <dd>{money(order.totalCents, order.currency)}</dd>
            <dt>Placed</dt>
            <dd>{dateTime(order.placedAt)}</dd>
            {order.carrier === null ? null : (
              <>
                <dt>Shipping</dt>
                <dd>
                  {order.carrier} {order.trackingNumber}
                </dd>
              </>
            )}
            {order.cancelReason === null ? null : (
              <>
                <dt>Cancelled because</dt>
                <dd>{order.cancelReason}</dd>
              </>
            )}
          </dl>
          <table>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Quantity</th>
                <th scope="col">Unit price</th>
              </tr>
            </thead>
            <tbody>
              {order.lines.map((line) => (
                <tr key={line.sku}>
                  <td>
                    {line.name} <span class="muted">{line.sku}</span>
                  </td>
                  <td class="number">{line.quantity}</td>
                  <td class="number">{money(line.unitPriceCents, order.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="actions">
            {(['pay', 'ship', 'deliver', 'cancel'] as const).map((action) => (
              <button type="button" key={action} disabled={!allowed[order.status].includes(action) || pending?.state === 'pending'} onClick={() => void act(action)}>
                {action[0]?.toUpperCase()}
                {action.slice(1)}
              </button>
            ))}
          </div>
          <p role="status" data-testid="action-state">
            {pending === undefined ? '' : `${pending.action}: ${pending.state}`}
          </p>
        </>
      )}
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
    </section>
  );
}
