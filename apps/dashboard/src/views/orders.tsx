// Orders: search by text, status, customer and placement dates, newest first, a page at a time, with freshness.
import { useEffect, useState } from 'preact/hooks';
import { dateTime, get, money, query } from '../api.js';
import type { FoundOrder, OrderPage } from '../shop-types.js';
import { noFilters, OrderFilters, type Filters } from './order-filters.js';
import { useReadModelAnswer } from './read-model-answer.js';
import { ReadModelTable } from './read-model-table.js';

const pageSize = 20;
const instant = (date: string): string | undefined => (date === '' ? undefined : new Date(`${date}T00:00:00`).toISOString());

/** One page of the search, read again whenever the filters or the cursor change; a late answer to an older search is dropped. */
function useOrderSearch(filters: Filters, cursor: string | undefined) {
  const answer = useReadModelAnswer<OrderPage>();
  const [elapsedMs, setElapsedMs] = useState<number | undefined>(undefined);
  useEffect(() => {
    let current = true;
    const started = performance.now();
    void get<OrderPage>(
      `/api/orders${query({ q: filters.q.trim(), status: filters.status, customerId: filters.customerId.trim(), from: instant(filters.from), to: instant(filters.to), limit: pageSize, cursor })}`,
    ).then((result) => {
      if (!current) return;
      setElapsedMs(Math.round(performance.now() - started));
      answer.take(result);
    });
    return () => void (current = false);
  }, [filters, cursor]);
  return { page: answer.body, freshness: answer.freshness, error: answer.error, elapsedMs };
}

function FoundOrderRow({ order }: { readonly order: FoundOrder }) {
  return (
    <tr data-order={order.orderId}>
      <td>
        <a href={`#/orders/${encodeURIComponent(order.orderId)}`}>{order.orderId}</a>
      </td>
      <td>{order.customerName ?? order.customerId}</td>
      <td>
        <span class={`status status-${order.status}`}>{order.status}</span>
      </td>
      <td class="number">{money(order.totalCents, order.currency)}</td>
      <td>{order.lines.map((l) => `${l.quantity}× ${l.name}`).join(', ')}</td>
      <td>{dateTime(order.placedAt)}</td>
    </tr>
  );
}

export function OrdersView() {
  const [filters, setFilters] = useState<Filters>(noFilters);
  // cursors of the pages before this one, for Previous
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const { page, freshness, error, elapsedMs } = useOrderSearch(filters, cursors.at(-1));

  return (
    <section aria-labelledby="orders-title">
      <h1 tabIndex={-1} id="orders-title">Orders</h1>
      <OrderFilters
        onSearch={(searched) => {
          setFilters(searched);
          setCursors([undefined]);
        }}
      />
      <ReadModelTable freshness={freshness} what="Search results" error={error} columns={['Order', 'Customer', 'Status', 'Total', 'Products', 'Placed']}>
        {page?.items.map((order) => <FoundOrderRow key={order.orderId} order={order} />)}
      </ReadModelTable>
      {page !== undefined && page.items.length === 0 ? <p>No orders match.</p> : null}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <span>page {cursors.length}</span>
        <button type="button" disabled={page?.nextCursor === undefined} onClick={() => setCursors([...cursors, page?.nextCursor])}>
          Next
        </button>
        {elapsedMs === undefined ? null : <span class="muted">answered in {elapsedMs} ms</span>}
      </nav>
    </section>
  );
}
