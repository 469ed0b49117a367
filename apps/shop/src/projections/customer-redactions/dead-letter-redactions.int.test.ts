// Forgetting redacts the customer's parked events (dead letters hold events opened), on PGlite.
import { migrate, openSqlClient } from '@twofold/postgres';
import { describe, expect, it } from 'vitest';
import { shopPersonalFields } from '../../domain/personal-fields.js';
import { deadLetterRedactions, redactDeadLetters } from './dead-letter-redactions.js';

const parked = (n: number, type: string, data: Record<string, unknown>) => ({
  eventId: `00000000-0000-4000-8000-00000000000${n}`,
  streamId: `order-${n}`,
  transactionId: 1,
  globalPosition: n,
  event: { type, data, metadata: {}, streamId: `order-${n}`, globalPosition: n },
});

describe('dead letter redactions', () => {
  it('redacts every personal field of the customer’s parked events, in their shape, and nothing else', async () => {
    const client = await openSqlClient('pglite:memory');
    try {
      await migrate(client);
      const rows = [
        parked(1, 'OrderPlaced', { orderId: 'o-1', customerId: 'c-1', totalCents: 5, customer: { name: 'Ada', email: 'a@x.org' }, shippingAddress: { line1: '1 St', country: 'GB' } }),
        parked(2, 'OrderPlaced', { orderId: 'o-2', customerId: 'c-1', totalCents: 6, customer: { name: 'Ada', email: 'a@x.org' } }),
        parked(3, 'OrderPlaced', { orderId: 'o-3', customerId: 'c-2', customer: { name: 'Bea', email: 'b@x.org' } }),
        parked(4, 'OrderPaid', { orderId: 'o-1', customerId: 'c-1', customer: 'not personal here' }),
      ];
      for (const row of rows) {
        await client.query(
          `INSERT INTO twofold_dead_letters (projection, event_id, stream_id, transaction_id, global_position, event, error) VALUES ('p', $1, $2, $3, $4, $5, 'boom')`,
          [row.eventId, row.streamId, row.transactionId, row.globalPosition, JSON.stringify(row.event)],
        );
      }
      await redactDeadLetters(deadLetterRedactions(shopPersonalFields), client, 'c-1', '[forgotten]');
      const { rows: after } = await client.query<{ event: { data: unknown } }>('SELECT event FROM twofold_dead_letters ORDER BY global_position');
      expect(after.map((row) => row.event.data)).toEqual([
        { orderId: 'o-1', customerId: 'c-1', totalCents: 5, customer: { name: '[forgotten]', email: '[forgotten]' }, shippingAddress: { line1: '[forgotten]', country: '[forgotten]' } },
        { orderId: 'o-2', customerId: 'c-1', totalCents: 6, customer: { name: '[forgotten]', email: '[forgotten]' } },
        { orderId: 'o-3', customerId: 'c-2', customer: { name: 'Bea', email: 'b@x.org' } },
        { orderId: 'o-1', customerId: 'c-1', customer: 'not personal here' },
      ]);
    } finally {
      await client.close();
    }
  });
});
