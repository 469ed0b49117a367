// Items that arrive together share one transaction: a projector's read models committing the same events pay for
// one BEGIN/COMMIT, and whatever else their runner can do for all of them at once (one checkpoint statement).
import type { SqlClient, SqlSession } from './sql-client.js';

export interface TransactionGroup<T> {
  /**
   * Runs `item` in a transaction, with whatever other items were queued at the same time. Resolves once that
   * transaction committed; rejects with the item's own error, never with another's: when a shared transaction
   * fails, each of its items is run again alone.
   */
  run(item: T): Promise<void>;
}

/**
 * Runs a round of items of one transaction, in the order it chooses. Answers, per item, undefined when it is done or
 * the error that item alone is refused with (the transaction still commits the others); throwing rolls back all of
 * them. `joining`: an earlier round ran in this transaction already (and left the session as it left it).
 */
export type RunTogether<T> = (session: SqlSession, items: readonly T[], joining: boolean) => Promise<readonly (Error | undefined)[]>;

interface Queued<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const settle = <T>(queued: Queued<T>, refusal: Error | undefined): void => (refusal === undefined ? queued.resolve() : queued.reject(refusal));

/**
 * One shared transaction at a time: it starts as soon as an item is queued, with every item queued by then as its
 * first round; items queued while a round runs join it as the next round, until the queue is empty (or maxItems
 * ran); then it commits. No timer: nothing waits for company.
 */
export function createTransactionGroup<T>(
  client: Pick<SqlClient, 'transaction'>,
  runTogether: RunTogether<T>,
  options: { readonly maxItems?: number } = {},
): TransactionGroup<T> {
  const { maxItems = 16 } = options;
  const queue: Queued<T>[] = [];
  let running = false;

  async function alone(queued: Queued<T>): Promise<void> {
    try {
      const [refusal] = await client.transaction((session) => runTogether(session, [queued.item], false));
      settle(queued, refusal);
    } catch (error) {
      queued.reject(error);
    }
  }

  async function flush(): Promise<void> {
    const group: Queued<T>[] = [];
    const refusals: (Error | undefined)[] = [];
    try {
      await client.transaction(async (session) => {
        // items queued while a round runs join the transaction in a round of their own, until the queue is empty
        while (queue.length > 0 && group.length < maxItems) {
          const joining = group.length > 0;
          const round = queue.splice(0, maxItems - group.length);
          group.push(...round);
          refusals.push(...(await runTogether(session, round.map((queued) => queued.item), joining)));
        }
      });
    } catch (error) {
      // no transaction could be had (no connection): every item waiting fails with that, none is left to retry forever
      if (group.length === 0) return queue.splice(0).forEach((queued) => queued.reject(error));
      if (group.length === 1) return group[0]!.reject(error);
      // who failed, and whether the others would have committed, is known only by running each alone
      for (const queued of group) await alone(queued);
      return;
    }
    group.forEach((queued, i) => settle(queued, refusals[i]));
  }

  function pump(): void {
    if (running || queue.length === 0) return;
    running = true;
    // items queued in this same turn (runners woken by one read of the log) are there when it starts
    queueMicrotask(() => {
      void flush().finally(() => {
        running = false;
        pump();
      });
    });
  }

  return {
    run(item) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      });
    },
  };
}
