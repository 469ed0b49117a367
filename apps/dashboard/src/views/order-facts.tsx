// What the order summaries read model knows of one order: status, customer, total, dates, shipping, and its lines.
import { dateTime, money } from '../api.js';
import type { OrderDetails } from '../shop-types.js';

export function OrderFacts({ order }: { readonly order: OrderDetails }) {
  return (
    <>
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
    </>
  );
}
