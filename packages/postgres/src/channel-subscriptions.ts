// The subscriptions a store hands out on one notification channel, so closing the store ends them all.
import type { Unsubscribe } from '@twofold/core';
import type { PostgresClient } from './postgres-client.js';

export interface ChannelSubscriptions {
  subscribe(listener: () => void): Unsubscribe;
  /** Ends every subscription still open. */
  endAll(): void;
}

export function channelSubscriptions(client: Pick<PostgresClient, 'listen'>, channel: string): ChannelSubscriptions {
  const open = new Set<() => void>();
  return {
    subscribe(listener) {
      const unlisten = client.listen(channel, listener);
      const unsubscribe = (): void => {
        open.delete(unsubscribe);
        unlisten();
      };
      open.add(unsubscribe);
      return unsubscribe;
    },
    endAll() {
      for (const unsubscribe of [...open]) unsubscribe();
    },
  };
}
