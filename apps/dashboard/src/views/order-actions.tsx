// The commands an order allows in its status, as buttons; each is sent, then followed until the read model shows it.
import { useState } from 'preact/hooks';
import { sendAndConfirm } from '../confirm.js';
import type { OrderDetails, OrderStatus } from '../shop-types.js';

type Action = 'pay' | 'ship' | 'deliver' | 'cancel';
const actions: readonly Action[] = ['pay', 'ship', 'deliver', 'cancel'];
const allowed: Readonly<Record<OrderStatus, readonly Action[]>> = {
  placed: ['pay', 'cancel'],
  paid: ['ship', 'cancel'],
  shipped: ['deliver'],
  delivered: [],
  cancelled: [],
};

const commandBodies = (order: OrderDetails): Record<Action, unknown> => ({
  pay: { amountCents: order.totalCents, paymentRef: `card-${Date.now().toString(36)}` },
  ship: { carrier: 'DemoPost', trackingNumber: `DP${Date.now().toString(36).toUpperCase()}` },
  deliver: {},
  cancel: { reason: 'cancelled from the dashboard' },
});

export function OrderActions(props: {
  readonly order: OrderDetails;
  /** The order's path in the API: the commands are POSTed below it, and it is read to confirm them. */
  readonly path: string;
  /** Reads the order again, at least as recent as the position. */
  readonly reload: (minPosition: number) => Promise<void>;
}) {
  const { order, path, reload } = props;
  const [pending, setPending] = useState<{ readonly action: Action; readonly state: string } | undefined>(undefined);

  async function act(action: Action): Promise<void> {
    setPending({ action, state: 'pending' });
    const outcome = await sendAndConfirm<OrderDetails>(`${path}/${action}`, commandBodies(order)[action], path);
    if (outcome.state === 'refused') setPending({ action, state: `refused: ${outcome.error.message}` });
    else {
      // said once the order on screen was read again, so "confirmed" never stands beside the status before it
      await reload(outcome.position);
      setPending({ action, state: outcome.state === 'confirmed' ? 'confirmed' : 'accepted, not yet visible' });
    }
  }

  return (
    <>
      <div class="actions">
        {actions.map((action) => (
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
  );
}
