// Items that arrive together share one transaction; one that fails fails alone; one that is refused is refused alone.
import { describe, expect, it } from 'vitest';
import { openSqlClient } from './open-sql-client.js';
import type { SqlClient, SqlSession } from './sql-client.js';
import { createTransactionGroup, type RunTogether } from './transaction-group.js';

type Work = (session: SqlSession) => Promise<Error | undefined>;

/** Runs each work in turn; a work answers the error it is refused with, or throws to roll the transaction back. */
const inTurn: RunTogether<Work> = async (session, works) => {
  const refusals: (Error | undefined)[] = [];
  for (const work of works) refusals.push(await work(session));
  return refusals;
};

async function counted() {
  const client = await openSqlClient('pglite:memory');
  await client.query('CREATE TABLE t (id int PRIMARY KEY)');
  let transactions = 0;
  const counting: Pick<SqlClient, 'transaction'> = { transaction: (fn) => (transactions++, client.transaction(fn)) };
  const ids = async () => (await client.query<{ id: number }>('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id);
  return { client, group: createTransactionGroup(counting, inTurn), transactions: () => transactions, ids };
}

const insert =
  (id: number): Work =>
  async (session) => {
    await session.query('INSERT INTO t VALUES ($1)', [id]);
    return undefined;
  };

describe('createTransactionGroup', () => {
  it('runs items queued in the same turn in one transaction', async () => {
    const { client, group, transactions, ids } = await counted();
    await Promise.all([1, 2, 3, 4, 5].map((id) => group.run(insert(id))));
    expect(await ids()).toEqual([1, 2, 3, 4, 5]);
    expect(transactions()).toBe(1);
    await client.close();
  });

  it('takes items queued while a round runs into the same transaction, as a round that joins it', async () => {
    const client = await openSqlClient('pglite:memory');
    await client.query('CREATE TABLE t (id int PRIMARY KEY)');
    let transactions = 0;
    const rounds: [number, boolean][] = [];
    const counting: Pick<SqlClient, 'transaction'> = { transaction: (fn) => (transactions++, client.transaction(fn)) };
    const group = createTransactionGroup<Work>(counting, (session, works, joining) => (rounds.push([works.length, joining]), inTurn(session, works, joining)));
    let later: Promise<void>[] = [];
    const first = group.run(async (session) => {
      // queued while the first round runs
      later = [2, 3].map((id) => group.run(insert(id)));
      return insert(1)(session);
    });
    await first;
    await Promise.all(later);
    expect((await client.query<{ id: number }>('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(transactions).toBe(1);
    expect(rounds).toEqual([
      [1, false],
      [2, true],
    ]);
    await client.close();
  });

  it('rejects only the item that failed, with its own error, and commits the others', async () => {
    const { client, group, ids } = await counted();
    const outcomes = await Promise.allSettled(
      [1, 2, 2, 3].map((id, i) =>
        group.run(async (session) => {
          await session.query('INSERT INTO t VALUES ($1)', [id]);
          if (i === 3) throw new Error('three refuses');
          return undefined;
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringMatching(/duplicate key/) });
    expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({ message: 'three refuses' });
    expect(await ids()).toEqual([1, 2]);
    await client.close();
  });

  it('rejects a refused item with its refusal and commits the others in the same transaction', async () => {
    const { client, group, transactions, ids } = await counted();
    const outcomes = await Promise.allSettled([insert(1), async () => new Error('not yours'), insert(3)].map((work) => group.run(work)));
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'ok'))).toEqual(['ok', 'not yours', 'ok']);
    expect(await ids()).toEqual([1, 3]);
    expect(transactions()).toBe(1);
    await client.close();
  });
});

describe('createTransactionGroup without a connection', () => {
  it('fails every waiting item with the error when no transaction can be begun, and takes items again after', async () => {
    let failing = true;
    const client = await openSqlClient('pglite:memory');
    const flaky: Pick<SqlClient, 'transaction'> = {
      transaction: (fn) => (failing ? Promise.reject(new Error('no connection')) : client.transaction(fn)),
    };
    const group = createTransactionGroup(flaky, inTurn);
    const nothing: Work = async () => undefined;
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => group.run(nothing)));
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'ok'))).toEqual(['no connection', 'no connection', 'no connection']);
    failing = false;
    await expect(group.run(nothing)).resolves.toBeUndefined();
    await client.close();
  });
});
