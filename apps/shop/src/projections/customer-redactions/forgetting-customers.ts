// A projection that also answers CustomerForgotten: its other events are applied as before, and in log order with
// them, the forgotten customer's rows are redacted.
import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import { customerOfStream } from '../../domain/customer.js';

/** Redacts what the read model holds of one customer's personal data, as of `event` (a CustomerForgotten). */
export type CustomerRedaction<Session> = (customerId: string, session: Session, event: StoredEvent) => Promise<void>;

/**
 * The projection, handling CustomerForgotten too. The customer comes from the event's stream, so a projection that
 * reads no event data (it reads the log in the event store's database) can answer it as well. Name and version stay:
 * a read model built before any customer was forgotten is the same either way.
 */
export function forgettingCustomers<Session>(projection: ProjectionDefinition<Session>, redact: CustomerRedaction<Session>): ProjectionDefinition<Session> {
  return {
    ...projection,
    handles: [...projection.handles, 'CustomerForgotten'],
    // a customer forgotten may change any of their answers: the cache drops every one
    ...(projection.keysChangedBy === undefined ? {} : { keysChangedBy: (event: StoredEvent) => (event.type === 'CustomerForgotten' ? undefined : projection.keysChangedBy?.(event)) }),
    async apply(events, session) {
      let from = 0;
      for (const [index, event] of events.entries()) {
        const customerId = event.type === 'CustomerForgotten' ? customerOfStream(event.streamId) : undefined;
        if (customerId === undefined) continue;
        if (index > from) await projection.apply(events.slice(from, index), session);
        await redact(customerId, session, event);
        from = index + 1;
      }
      if (from < events.length) await projection.apply(from === 0 ? events : events.slice(from), session);
    },
  };
}
