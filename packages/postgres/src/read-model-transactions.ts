// The open transactions of this process that write read models: they append no events, so the log's readers on the
// same client need not stop below them.
//
// Gap safety makes a reader of the log stop below the oldest transaction still running, since it might yet append
// events there. A read model's transaction never appends: a projection writes its rows and its checkpoint, never the
// log (the write side alone appends). So where a projector's daemons share a client, one daemon's open transaction
// need not hold back another daemon's read: orderSummaries' 10 ms windows are not made to wait for the wider
// transaction of the other read models, a rebuild's batch or a process manager's. Only what this process knows it
// opened is left out; any other transaction, here or elsewhere, still bounds every read.

export interface ReadModelTransactions {
  /** A transaction of a projection store took this xid (`pg_current_xact_id()` as text). */
  opened(xid: string): void;
  /** It committed or rolled back. */
  ended(xid: string): void;
  /** The xids open now: the log's readers may read past them. */
  open(): readonly string[];
}

const byClient = new WeakMap<object, ReadModelTransactions>();

function createReadModelTransactions(): ReadModelTransactions {
  const xids = new Set<string>();
  let listed: readonly string[] = [];
  let stale = false;
  return {
    opened(xid) {
      xids.add(xid);
      stale = true;
    },
    ended(xid) {
      if (xids.delete(xid)) stale = true;
    },
    open() {
      if (stale) {
        listed = [...xids];
        stale = false;
      }
      return listed;
    },
  };
}

/** The read-model transactions of one client (its projection stores register, its event store reads them). */
export function readModelTransactionsOf(client: object): ReadModelTransactions {
  let transactions = byClient.get(client);
  if (transactions === undefined) {
    transactions = createReadModelTransactions();
    byClient.set(client, transactions);
  }
  return transactions;
}
