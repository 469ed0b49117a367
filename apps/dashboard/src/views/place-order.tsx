// Place an order: pick products and quantities; the order shows at once as pending, then confirmed or refused.
import { useEffect, useState } from 'preact/hooks';
import { get, money, query, type Freshness } from '../api.js';
import { sendAndConfirm } from '../confirm.js';
import type { OrderDetails, Product, ProductPage } from '../shop-types.js';
import { FreshnessNote } from './freshness-note.js';

interface Placed {
  readonly orderId: string;
  readonly summary: string;
  readonly state: 'pending' | 'confirmed' | 'refused' | 'accepted';
  readonly message: string;
}

const newOrderId = (): string => `web-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;

async function allProducts(): Promise<{ products: Product[]; freshness: Freshness | undefined }> {
  const products: Product[] = [];
  let cursor: string | undefined;
  let freshness: Freshness | undefined;
  // a demo catalog is small; stop at 1,000 products all the same
  for (let page = 0; page < 5; page += 1) {
    const result = await get<ProductPage>(`/api/products${query({ limit: 200, cursor })}`);
    if (!result.ok) break;
    products.push(...result.body.items);
    freshness = result.freshness;
    cursor = result.body.nextCursor;
    if (cursor === undefined) break;
  }
  return { products, freshness };
}

export function PlaceOrderView() {
  const [products, setProducts] = useState<Product[]>([]);
  const [freshness, setFreshness] = useState<Freshness | undefined>(undefined);
  const [currency, setCurrency] = useState('');
  const [customerId, setCustomerId] = useState('cust-web');
  const [name, setName] = useState('Web Customer');
  const [email, setEmail] = useState('web.customer@example.com');
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const [placed, setPlaced] = useState<Placed[]>([]);
  const [problem, setProblem] = useState('');

  const reload = async (): Promise<void> => {
    const loaded = await allProducts();
    setProducts(loaded.products);
    setFreshness(loaded.freshness);
  };
  useEffect(() => void reload(), []);
  const currencies = [...new Set(products.map((p) => p.currency))].sort();
  const chosen = currency === '' ? (currencies[0] ?? '') : currency;
  const offered = products.filter((p) => p.currency === chosen);
  const lines = offered.filter((p) => (quantities[p.sku] ?? 0) > 0).map((p) => ({ sku: p.sku, quantity: quantities[p.sku] ?? 0 }));

  const update = (orderId: string, change: Partial<Placed>): void => setPlaced((list) => list.map((p) => (p.orderId === orderId ? { ...p, ...change } : p)));

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (lines.length === 0) {
      setProblem('Choose a quantity for at least one product.');
      return;
    }
    setProblem('');
    const orderId = newOrderId();
    const summary = lines.map((l) => `${l.quantity}× ${products.find((p) => p.sku === l.sku)?.name ?? l.sku}`).join(', ');
    // optimistic: the row is there before the server answers
    setPlaced((list) => [{ orderId, summary, state: 'pending', message: 'sent' }, ...list]);
    const body = { orderId, customerId, currency: chosen, lines, ...(name.trim() === '' ? {} : { customer: { name: name.trim(), email: email.trim() } }) };
    const outcome = await sendAndConfirm<OrderDetails>('/api/orders', body, `/api/orders/${encodeURIComponent(orderId)}`);
    if (outcome.state === 'confirmed') update(orderId, { state: 'confirmed', message: `${money(outcome.read.totalCents, outcome.read.currency)}, read model at position ${outcome.position}` });
    else if (outcome.state === 'refused') update(orderId, { state: 'refused', message: outcome.error.message });
    else update(orderId, { state: 'accepted', message: 'accepted; the read model has not caught up yet' });
    setQuantities({});
    await reload();
  }

  return (
    <section aria-labelledby="place-title">
      <h1 tabIndex={-1} id="place-title">Place an order</h1>
      <form onSubmit={(event) => void submit(event)} class="place">
        <fieldset class="customer">
          <legend>Customer</legend>
          <label>
            Customer id
            <input name="customerId" required value={customerId} onInput={(e) => setCustomerId(e.currentTarget.value)} />
          </label>
          <label>
            Name
            <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            Email
            <input name="email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </label>
          <label>
            Currency
            <select
              name="currency"
              value={chosen}
              onChange={(e) => {
                setCurrency(e.currentTarget.value);
                setQuantities({});
              }}
            >
              {currencies.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
        <FreshnessNote freshness={freshness} what="Stock figures" />
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Merchant</th>
                <th scope="col">Price</th>
                <th scope="col">Available</th>
                <th scope="col">Quantity</th>
              </tr>
            </thead>
            <tbody>
              {offered.map((p) => (
                <tr key={p.sku} data-sku={p.sku}>
                  <td>
                    {p.name} <span class="muted">{p.sku}</span>
                  </td>
                  <td>{p.merchantId}</td>
                  <td class="number">{money(p.priceCents, p.currency)}</td>
                  <td class="number" data-cell="available">
                    {p.available}
                  </td>
                  <td>
                    <input
                      type="number"
                      min="0"
                      max="1000"
                      inputMode="numeric"
                      aria-label={`Quantity of ${p.name} (${p.sku})`}
                      value={quantities[p.sku] ?? 0}
                      onInput={(e) => setQuantities({ ...quantities, [p.sku]: Math.max(0, Number(e.currentTarget.value) || 0) })}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {problem === '' ? null : (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        <button type="submit">Place order</button>
      </form>
      <h2>Orders placed from this page</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Products</th>
              <th scope="col">State</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody aria-live="polite">
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
          </tbody>
        </table>
      </div>
    </section>
  );
}
