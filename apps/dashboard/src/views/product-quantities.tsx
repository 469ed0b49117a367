// The products on offer in the chosen currency, each with the quantity to order and the stock available.
import { money } from '../api.js';
import type { Product } from '../shop-types.js';
import { DataTable } from './data-table.js';

export type Quantities = Readonly<Record<string, number>>;

export function ProductQuantities(props: { readonly products: readonly Product[]; readonly quantities: Quantities; readonly onChange: (quantities: Quantities) => void }) {
  const { products, quantities, onChange } = props;
  return (
    <DataTable columns={['Product', 'Merchant', 'Price', 'Available', 'Quantity']}>
      {products.map((p) => (
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
              onInput={(e) => onChange({ ...quantities, [p.sku]: Math.max(0, Number(e.currentTarget.value) || 0) })}
            />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
