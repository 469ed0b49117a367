// The subscriptions a store hands out on one notification channel, so closing the store ends them all.
import type { Unsubscribe } from '@twofold/core';
import type { PostgresClient } from './postgres-client.js';

export interface ChannelSubscriptions {
  /** The listener gets the notification's payload (see PostgresClient.listen). */
  subscribe(listener: (payload: string | undefined) => void): Unsubscribe;
  /** Calls this store's listeners, in this process only (no NOTIFY). */
  wakeLocally(): void;
  /** How many subscriptions are open. */
  readonly size: number;
  /** Ends every subscription still open. */
  endAll(): void;
}

export function channelSubscriptions(client: Pick<PostgresClient, 'listen'>, channel: string): ChannelSubscriptions {
  const open = new Map<Unsubscribe, (payload: string | undefined) => void>();
  return {
    subscribe(listener) {
      const unlisten = client.listen(channel, listener);
      const unsubscribe = (): void => {
        open.delete(unsubscribe);
        unlisten();
      };
      open.set(unsubscribe, listener);
      return unsubscribe;
    },
    wakeLocally() {
      // every listener is called even when one throws; the first error is rethrown after
      let failure: { error: unknown } | undefined;
      for (const listener of [...open.values()]) {
        try {
          listener(undefined);
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure !== undefined) throw failure.error;
    },
    get size() {
      return open.size;
    },
    endAll() {
      for (const unsubscribe of [...open.keys()]) unsubscribe();
    },
  };
}
