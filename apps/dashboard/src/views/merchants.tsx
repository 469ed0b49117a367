// Merchants: each merchant's charges, refunds, payouts and balance per currency, pre-aggregated by the read model.
import { useEffect, useState } from 'preact/hooks';
import { dateTime, get, money, type Freshness } from '../api.js';
import { readCatalog } from '../catalog.js';
import type { MerchantBalances } from '../shop-types.js';
import { ReadModelTable } from './read-model-table.js';

export function MerchantsView() {
  const [merchants, setMerchants] = useState<MerchantBalances[]>([]);
  const [freshness, setFreshness] = useState<Freshness | undefined>(undefined);
  const [error, setError] = useState('');

  useEffect(() => {
    void (async () => {
      // the API has no list of merchants: the catalog names them
      const catalog = await readCatalog();
      if (catalog.error !== undefined) return setError(catalog.error.message);
      const ids = new Set(catalog.products.map((p) => p.merchantId));
      const answers = await Promise.all([...ids].sort().map((id) => get<MerchantBalances>(`/api/merchants/${encodeURIComponent(id)}/balances`)));
      setMerchants(answers.flatMap((a) => (a.ok ? [a.body] : [])));
      const last = answers.find((a) => a.ok);
      if (last?.ok) setFreshness({ ...last.freshness, delayed: answers.some((a) => a.ok && a.freshness.delayed) });
    })();
  }, []);

  return (
    <section aria-labelledby="merchants-title">
      <h1 tabIndex={-1} id="merchants-title">Merchants</h1>
      <ReadModelTable freshness={freshness} what="Balances" error={error} columns={['Merchant', 'Currency', 'Charges', 'Refunds', 'Payouts', 'Balance', 'Updated']}>
        {merchants.flatMap((m) =>
          m.balances.length === 0
            ? [
                <tr key={m.merchantId}>
                  <th scope="row">{m.merchantId}</th>
                  <td colSpan={6}>no money moved yet</td>
                </tr>,
              ]
            : m.balances.map((b) => (
                <tr key={`${m.merchantId}-${b.currency}`}>
                  <th scope="row">{m.merchantId}</th>
                  <td>{b.currency}</td>
                  <td class="number">{money(b.chargesCents, b.currency)}</td>
                  <td class="number">{money(b.refundsCents, b.currency)}</td>
                  <td class="number">{money(b.payoutsCents, b.currency)}</td>
                  <td class="number">
                    <strong>{money(b.balanceCents, b.currency)}</strong>
                  </td>
                  <td>{dateTime(b.updatedAt)}</td>
                </tr>
              )),
        )}
      </ReadModelTable>
    </section>
  );
}
