// The orders placed from this page: a row at once, pending (optimistic), then confirmed, refused or accepted.
import { useState } from 'preact/hooks';
import { money } from '../api.js';
import { sendAndConfirm } from '../confirm.js';
import type { OrderDetails } from '../shop-types.js';
import { DataTable } from './data-table.js';

interface Placed {
  readonly orderId: string;
  readonly summary: string;
  readonly state: 'pending' | 'confirmed' | 'refused' | 'accepted';
  readonly message: string;
}

export function usePlacedOrders() {
  const [placed, setPlaced] = useState<Placed[]>([]);
  const update = (orderId: string, change: Partial<Placed>): void => setPlaced((list) => list.map((p) => (p.orderId === orderId ? { ...p, ...change } : p)));

  /** Sends PlaceOrder with `body` (whose orderId is `orderId`) and follows it until its read model shows it. */
  async function place(orderId: string, summary: string, body: unknown): Promise<void> {
    // optimistic: the row is there before the server answers
    setPlaced((list) => [{ orderId, summary, state: 'pending', message: 'sent' }, ...list]);
    const outcome = await sendAndConfirm<OrderDetails>('/api/orders', body, `/api/orders/${encodeURIComponent(orderId)}`);
    if (outcome.state === 'confirmed') update(orderId, { state: 'confirmed', message: `${money(outcome.read.totalCents, outcome.read.currency)}, read model at position ${outcome.position}` });
    else if (outcome.state === 'refused') update(orderId, { state: 'refused', message: outcome.error.message });
    else update(orderId, { state: 'accepted', message: 'accepted; the read model has not caught up yet' });
  }

  return { placed, place };
}

export function PlacedOrders({ placed }: { readonly placed: readonly Placed[] }) {
  return (
    <>
      <h2>Orders placed from this page</h2>
      <DataTable columns={['Order', 'Products', 'State', 'Detail']} live="polite">
        {placed.map((p) => (
          <tr key={p.orderId} data-order={p.orderId} class={`placed-${p.state}`}>
            <td>{p.state === 'refused' ? p.orderId : <a href={`#/orders/${encodeURIComponent(p.orderId)}`}>{p.orderId}</a>}</td>
            <td>{p.summary}</td>
            <td>
              <span class={`status status-${p.state}`} data-cell="state">
                {p.state}
              </span>
            </td>
            <td data-cell="message">{p.message}</td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}
