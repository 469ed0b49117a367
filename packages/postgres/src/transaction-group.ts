// Units of work that arrive together share one transaction: a projector's read models committing the same events
// pay for one BEGIN/COMMIT (and one flush) instead of one each.
import type { SqlClient, SqlSession } from './sql-client.js';

export interface TransactionGroup {
  /**
   * Runs `work` in a transaction, with whatever other work was queued at the same time. Resolves once that
   * transaction committed; rejects with the work's own error, never with another's: when a shared transaction
   * fails, each of its works is run again alone.
   */
  run(work: (session: SqlSession) => Promise<void>): Promise<void>;
}

interface Queued {
  readonly work: (session: SqlSession) => Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One shared transaction at a time: it starts as soon as a work is queued, and works queued while it runs join it
 * until the queue is empty (or maxWorks ran); then it commits. No timer: nothing waits for company. Each work
 * starts with the session's default search_path, whatever the one before it set with SET LOCAL.
 */
export function createTransactionGroup(client: Pick<SqlClient, 'transaction'>, options: { readonly maxWorks?: number } = {}): TransactionGroup {
  const { maxWorks = 16 } = options;
  const queue: Queued[] = [];
  let running = false;

  const alone = (item: Queued): Promise<void> => client.transaction((session) => item.work(session)).then(item.resolve, item.reject);

  async function flush(): Promise<void> {
    const group: Queued[] = [];
    try {
      await client.transaction(async (session) => {
        while (queue.length > 0 && group.length < maxWorks) {
          const item = queue.shift()!;
          group.push(item);
          if (group.length > 1) await session.query('SET LOCAL search_path TO DEFAULT');
          await item.work(session);
        }
      });
    } catch (error) {
      // no transaction could be had (no connection): every work waiting fails with that, none is left to retry forever
      if (group.length === 0) return queue.splice(0).forEach((item) => item.reject(error));
      if (group.length === 1) return group[0]!.reject(error);
      // who failed, and whether the others would have committed, is known only by running each alone
      for (const item of group) await alone(item);
      return;
    }
    for (const item of group) item.resolve();
  }

  function pump(): void {
    if (running || queue.length === 0) return;
    running = true;
    // works queued in this same turn (runners woken by one read of the log) are there when it starts
    queueMicrotask(() => {
      void flush().finally(() => {
        running = false;
        pump();
      });
    });
  }

  return {
    run(work) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ work, resolve, reject });
        pump();
      });
    },
  };
}
