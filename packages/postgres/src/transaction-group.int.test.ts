// Works that arrive together share one transaction; one that fails fails alone; each starts with the default search_path.
import { describe, expect, it } from 'vitest';
import { openSqlClient } from './open-sql-client.js';
import type { SqlClient } from './sql-client.js';
import { createTransactionGroup } from './transaction-group.js';

async function counted() {
  const client = await openSqlClient('pglite:memory');
  await client.query('CREATE TABLE t (id int PRIMARY KEY)');
  await client.query('CREATE SCHEMA other');
  await client.query('CREATE TABLE other.t (id int PRIMARY KEY)');
  let transactions = 0;
  const counting: Pick<SqlClient, 'transaction'> = { transaction: (fn) => (transactions++, client.transaction(fn)) };
  const ids = async (table = 't') => (await client.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => r.id);
  return { client, group: createTransactionGroup(counting), transactions: () => transactions, ids };
}

describe('createTransactionGroup', () => {
  it('runs works queued in the same turn in one transaction', async () => {
    const { client, group, transactions, ids } = await counted();
    await Promise.all([1, 2, 3, 4, 5].map((id) => group.run(async (session) => void (await session.query('INSERT INTO t VALUES ($1)', [id])))));
    expect(await ids()).toEqual([1, 2, 3, 4, 5]);
    expect(transactions()).toBe(1);
    await client.close();
  });

  it('rejects only the work that failed, with its own error, and commits the others', async () => {
    const { client, group, ids } = await counted();
    const outcomes = await Promise.allSettled(
      [1, 2, 2, 3].map((id, i) =>
        group.run(async (session) => {
          await session.query('INSERT INTO t VALUES ($1)', [id]);
          if (i === 3) throw new Error('three refuses');
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringMatching(/duplicate key/) });
    expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({ message: 'three refuses' });
    expect(await ids()).toEqual([1, 2]);
    await client.close();
  });

  it('gives each work the default search_path, whatever the one before it set', async () => {
    const { client, group, ids } = await counted();
    await Promise.all([
      group.run(async (session) => {
        await session.query('SET LOCAL search_path TO other');
        await session.query('INSERT INTO t VALUES (1)');
      }),
      group.run(async (session) => void (await session.query('INSERT INTO t VALUES (2)'))),
    ]);
    expect(await ids('other.t')).toEqual([1]);
    expect(await ids('public.t')).toEqual([2]);
    await client.close();
  });
});

describe('createTransactionGroup without a connection', () => {
  it('fails every waiting work with the error when no transaction can be begun, and takes work again after', async () => {
    let failing = true;
    const client = await openSqlClient('pglite:memory');
    const flaky: Pick<SqlClient, 'transaction'> = {
      transaction: (fn) => (failing ? Promise.reject(new Error('no connection')) : client.transaction(fn)),
    };
    const group = createTransactionGroup(flaky);
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => group.run(async () => {})));
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'ok'))).toEqual(['no connection', 'no connection', 'no connection']);
    failing = false;
    await expect(group.run(async (session) => void (await session.query('SELECT 1')))).resolves.toBeUndefined();
    await client.close();
  });
});
