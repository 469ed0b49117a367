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
 * One shared transaction at a time; works queued while it runs make the next. Each work starts with the session's
 * default search_path, whatever the one before it set with SET LOCAL.
 */
export function createTransactionGroup(client: Pick<SqlClient, 'transaction'>, options: { readonly maxWorks?: number } = {}): TransactionGroup {
  const { maxWorks = 16 } = options;
  const queue: Queued[] = [];
  let running = false;

  const alone = (item: Queued): Promise<void> => client.transaction((session) => item.work(session)).then(item.resolve, item.reject);

  async function flush(): Promise<void> {
    const group = queue.splice(0, maxWorks);
    if (group.length === 1) return alone(group[0]!);
    try {
      await client.transaction(async (session) => {
        for (const [index, item] of group.entries()) {
          if (index > 0) await session.query('SET LOCAL search_path TO DEFAULT');
          await item.work(session);
        }
      });
    } catch {
      // who failed, and whether the others would have committed, is known only by running each alone
      for (const item of group) await alone(item);
      return;
    }
    for (const item of group) item.resolve();
  }

  function pump(): void {
    if (running || queue.length === 0) return;
    running = true;
    // let the works that arrive in this same turn (runners woken by one read of the log) join
    setImmediate(() => {
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
