// Orders: search by text, status, customer and placement dates, newest first, a page at a time, with freshness.
import { useEffect, useState } from 'preact/hooks';
import { dateTime, get, money, query, type Freshness } from '../api.js';
import { orderStatuses, type OrderPage } from '../shop-types.js';
import { ReadModelTable } from './read-model-table.js';

interface Filters {
  readonly q: string;
  readonly status: string;
  readonly customerId: string;
  readonly from: string;
  readonly to: string;
}

const empty: Filters = { q: '', status: '', customerId: '', from: '', to: '' };
const pageSize = 20;
const instant = (date: string): string | undefined => (date === '' ? undefined : new Date(`${date}T00:00:00`).toISOString());

export function OrdersView() {
  const [draft, setDraft] = useState<Filters>(empty);
  const [filters, setFilters] = useState<Filters>(empty);
  // cursors of the pages before this one, for Previous
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<OrderPage | undefined>(undefined);
  const [freshness, setFreshness] = useState<Freshness | undefined>(undefined);
  const [error, setError] = useState('');
  const [elapsedMs, setElapsedMs] = useState<number | undefined>(undefined);
  const cursor = cursors.at(-1);

  useEffect(() => {
    let current = true;
    const started = performance.now();
    void get<OrderPage>(
      `/api/orders${query({ q: filters.q.trim(), status: filters.status, customerId: filters.customerId.trim(), from: instant(filters.from), to: instant(filters.to), limit: pageSize, cursor })}`,
    ).then((result) => {
      if (!current) return;
      setElapsedMs(Math.round(performance.now() - started));
      if (result.ok) {
        setPage(result.body);
        setFreshness(result.freshness);
        setError('');
      } else setError(result.error.message);
    });
    return () => void (current = false);
  }, [filters, cursor]);

  const field = (name: keyof Filters) => ({
    value: draft[name],
    onInput: (event: Event) => setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value }),
  });

  return (
    <section aria-labelledby="orders-title">
      <h1 tabIndex={-1} id="orders-title">Orders</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          // a new object each time: searching again with the same filters asks the server again
          setFilters({ ...draft });
          setCursors([undefined]);
        }}
      >
        <label>
          Search
          <input type="search" name="q" placeholder="customer, email, order id, product" {...field('q')} />
        </label>
        <label>
          Status
          <select name="status" {...field('status')}>
            <option value="">any</option>
            {orderStatuses.map((s) => (
              <option value={s} key={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Customer id
          <input name="customerId" {...field('customerId')} />
        </label>
        <label>
          Placed from
          <input type="date" name="from" {...field('from')} />
        </label>
        <label>
          to (before)
          <input type="date" name="to" {...field('to')} />
        </label>
        <button type="submit">Search</button>
      </form>
      <ReadModelTable freshness={freshness} what="Search results" error={error} columns={['Order', 'Customer', 'Status', 'Total', 'Products', 'Placed']}>
        {page?.items.map((order) => (
          <tr key={order.orderId} data-order={order.orderId}>
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
        ))}
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
