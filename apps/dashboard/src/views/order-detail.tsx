// One order: its details from the read model, its full history from the event store, and the commands it allows.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import type { OrderDetails, StreamHistory } from '../shop-types.js';
import { ErrorAlert } from './error-alert.js';
import { FreshnessNote } from './freshness-note.js';
import { OrderActions } from './order-actions.js';
import { OrderFacts } from './order-facts.js';
import { OrderHistory } from './order-history.js';
import { useReadModelAnswer } from './read-model-answer.js';

/** The order from its read model and its stream from the event store, read together. */
function useOrder(path: string, orderId: string) {
  const details = useReadModelAnswer<OrderDetails>();
  const [history, setHistory] = useState<StreamHistory | undefined>(undefined);
  const load = async (minPosition?: number): Promise<void> => {
    const [order, stream] = await Promise.all([get<OrderDetails>(path, minPosition === undefined ? {} : { minPosition }), get<StreamHistory>(`/api/streams/${encodeURIComponent(`order-${orderId}`)}`)]);
    details.take(order);
    if (stream.ok) setHistory(stream.body);
  };
  useEffect(() => void load(), [orderId]);
  return { order: details.body, freshness: details.freshness, error: details.error, history, load };
}

export function OrderDetailView({ orderId }: { readonly orderId: string }) {
  const path = `/api/orders/${encodeURIComponent(orderId)}`;
  const { order, freshness, error, history, load } = useOrder(path, orderId);

  return (
    <section aria-labelledby="order-title">
      <p>
        <a href="#/orders">← Orders</a>
      </p>
      <h1 tabIndex={-1} id="order-title">Order {orderId}</h1>
      <ErrorAlert message={error}>
        {' '}
        <button type="button" onClick={() => void load()}>
          Try again
        </button>
      </ErrorAlert>
      {order === undefined ? null : (
        <>
          <FreshnessNote freshness={freshness} what="This order" />
          <OrderFacts order={order} />
          <OrderActions order={order} path={path} reload={load} />
        </>
      )}
      <OrderHistory orderId={orderId} history={history} />
    </section>
  );
}
