import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { forgettingCustomers } from './forgetting-customers.js';

let position = 0;
const event = (type: string, streamId: string): StoredEvent => ({
  type,
  data: {},
  metadata: {},
  streamId,
  streamVersion: 1,
  globalPosition: ++position,
  transactionId: 1,
  eventId: `e-${position}`,
  recordedAt: new Date(0),
});

describe('forgettingCustomers', () => {
  const calls: string[] = [];
  const inner: ProjectionDefinition<string[]> = {
    name: 'rows',
    version: 3,
    handles: ['OrderPlaced'],
    apply: async (events, log) => void log.push(`apply ${events.map((e) => e.globalPosition).join(',')}`),
  };
  const projection = forgettingCustomers(inner, async (customerId, log, at) => void log.push(`redact ${customerId} @${at.globalPosition}`));

  it('handles CustomerForgotten too, keeping name and version', () => {
    expect(projection).toMatchObject({ name: 'rows', version: 3, handles: ['OrderPlaced', 'CustomerForgotten'] });
  });

  it('redacts in log order with the other events of the batch, the customer taken from the stream', async () => {
    position = 0;
    calls.length = 0;
    const batch = [
      event('OrderPlaced', 'order-1'),
      event('OrderPlaced', 'order-2'),
      event('CustomerForgotten', 'customer-c-1'),
      event('CustomerForgotten', 'customer-c:2'),
      event('OrderPlaced', 'order-3'),
    ];
    await projection.apply(batch, calls);
    expect(calls).toEqual(['apply 1,2', 'redact c-1 @3', 'redact c:2 @4', 'apply 5']);
    calls.length = 0;
    await projection.apply(batch.slice(0, 2), calls);
    expect(calls).toEqual(['apply 1,2']);
  });
});
