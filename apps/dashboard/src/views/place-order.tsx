// Place an order: pick products and quantities; the order shows at once as pending, then confirmed or refused.
import { useEffect, useState } from 'preact/hooks';
import { readCatalog, type Catalog } from '../catalog.js';
import { CustomerFields, webCustomer, type CustomerDraft } from './customer-fields.js';
import { ErrorAlert } from './error-alert.js';
import { FreshnessNote } from './freshness-note.js';
import { PlacedOrders, usePlacedOrders } from './placed-orders.js';
import { ProductQuantities, type Quantities } from './product-quantities.js';

const newOrderId = (): string => `web-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;

/** The catalog with its stock figures, read again after each order. */
function useCatalog(): Pick<Catalog, 'products' | 'freshness'> & { readonly reload: () => Promise<void> } {
  const [catalog, setCatalog] = useState<Pick<Catalog, 'products' | 'freshness'>>({ products: [], freshness: undefined });
  const reload = async (): Promise<void> => {
    const { products, freshness } = await readCatalog();
    setCatalog({ products, freshness });
  };
  useEffect(() => void reload(), []);
  return { ...catalog, reload };
}

export function PlaceOrderView() {
  const { products, freshness, reload } = useCatalog();
  const { placed, place } = usePlacedOrders();
  const [currency, setCurrency] = useState('');
  const [customer, setCustomer] = useState<CustomerDraft>(webCustomer);
  const [quantities, setQuantities] = useState<Quantities>({});
  const [problem, setProblem] = useState('');

  const currencies = [...new Set(products.map((p) => p.currency))].sort();
  const chosen = currency === '' ? (currencies[0] ?? '') : currency;
  const offered = products.filter((p) => p.currency === chosen);
  const lines = offered.filter((p) => (quantities[p.sku] ?? 0) > 0).map((p) => ({ sku: p.sku, quantity: quantities[p.sku] ?? 0 }));

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (lines.length === 0) {
      setProblem('Choose a quantity for at least one product.');
      return;
    }
    setProblem('');
    const orderId = newOrderId();
    const summary = lines.map((l) => `${l.quantity}× ${products.find((p) => p.sku === l.sku)?.name ?? l.sku}`).join(', ');
    const { customerId, name, email } = customer;
    const body = { orderId, customerId, currency: chosen, lines, ...(name.trim() === '' ? {} : { customer: { name: name.trim(), email: email.trim() } }) };
    await place(orderId, summary, body);
    setQuantities({});
    await reload();
  }

  return (
    <section aria-labelledby="place-title">
      <h1 tabIndex={-1} id="place-title">Place an order</h1>
      <form onSubmit={(event) => void submit(event)} class="place">
        <CustomerFields
          customer={customer}
          onCustomer={setCustomer}
          currencies={currencies}
          currency={chosen}
          onCurrency={(next) => {
            setCurrency(next);
            setQuantities({});
          }}
        />
        <FreshnessNote freshness={freshness} what="Stock figures" />
        <ProductQuantities products={offered} quantities={quantities} onChange={setQuantities} />
        <ErrorAlert message={problem} />
        <button type="submit">Place order</button>
      </form>
      <PlacedOrders placed={placed} />
    </section>
  );
}
