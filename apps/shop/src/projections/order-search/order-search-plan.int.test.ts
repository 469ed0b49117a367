// A search for a text that matches nothing must look it up in the text index, not read every order newest first
// hoping for a match: the planner takes that walk whenever it overestimates how common a word is (always before
// the table is analyzed), and over 100,000 orders it took 190–550 ms to answer an empty page.
import { openSqlClient, type SqlClient } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderSearchStatements, searchOrders, textMatchesSortedInMemory, type OrderSearch, type OrderSearchStatement } from './order-search-queries.js';
import { orderSearch } from './order-search.js';

let database: TestDatabase;
let client: SqlClient;
beforeAll(async () => {
  database = await createTestDatabase();
  client = await openSqlClient(database.url);
  await orderSearch.setup!(client);
  // fewer, and the planner walks few enough of them that it looks the text up anyway
  await insertOrders(client, 1, 100_000);
}, 60_000);
afterAll(async () => {
  await client?.close();
  await database?.drop();
});

/** Orders `from` to `to`, five minutes apart: every one has a mug, one in ten is Ada's, one in a thousand Grace's instead. */
async function insertOrders(into: SqlClient, from: number, to: number): Promise<void> {
  await into.query(
    `INSERT INTO order_search
       (order_id, customer_id, customer_name, customer_email, status, currency, total_cents, skus, lines, placed_at, search, updated_at, last_position)
     SELECT o.order_id, o.customer_id, o.name, NULL, 'placed', 'EUR', 1250, ARRAY['MUG-1'],
            '[{"sku":"MUG-1","name":"Blue mug","quantity":1,"unitPriceCents":1250}]'::jsonb, o.placed_at,
            setweight(to_tsvector('simple', o.order_id || ' ' || o.customer_id || ' ' || o.name), 'A') || setweight(to_tsvector('simple', 'MUG-1 Blue mug'), 'B'),
            o.placed_at, o.n
     FROM (SELECT n, 'ord-' || n AS order_id, 'cust-' || (n % 500) AS customer_id,
                  CASE WHEN n % 1000 = 0 THEN 'Grace Hopper' WHEN n % 10 = 0 THEN 'Ada Lovelace' ELSE 'Alan Turing' END AS name,
                  timestamptz '2026-01-01' + n * interval '5 minutes' AS placed_at
           FROM generate_series($1::int, $2::int) AS n) AS o`,
    [from, to],
  );
}

async function planOf(statement: OrderSearchStatement, on: SqlClient = client): Promise<string> {
  const { rows } = await on.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, statement.values);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

/** The page as the newest-first statement alone answers it: what every search answered before the text index was tried first. */
async function newestFirstIds(search: OrderSearch): Promise<string[]> {
  const { newestFirst } = orderSearchStatements(search);
  const { rows } = await client.query<{ order_id: string }>(newestFirst.text, newestFirst.values);
  return rows.slice(0, search.limit ?? 20).map((row) => row.order_id);
}

describe('a search for a text', () => {
  it.each([
    ['before the table is analyzed', async () => undefined],
    ['after it is analyzed', async () => void (await client.query('ANALYZE order_search'))],
  ])('that matches nothing looks it up in the text index, %s', async (_when, prepare) => {
    await prepare();
    const { throughTextIndex } = orderSearchStatements({ q: 'zzzz' });
    const plan = await planOf(throughTextIndex!);
    expect(plan).toMatch(/Bitmap Index Scan on order_search_search_idx/);
    expect(plan).not.toMatch(/order_search_placed_idx|Seq Scan on order_search/);
    expect(await searchOrders(client, { q: 'zzzz' })).toEqual({ items: [], nextCursor: undefined });
  });

  it('answers the same pages through either index, rare or common, with filters and cursors', async () => {
    for (const search of [{ q: 'Grace' }, { q: 'Grace', limit: 7 }, { q: 'Ada' }, { q: 'mug' }, { q: 'Ada', customerId: 'cust-10' }, { q: 'mug -Ada', limit: 50 }, { q: 'Grace', status: 'paid' as const }]) {
      const first = await searchOrders(client, search);
      expect(first.items.map((order) => order.orderId)).toEqual(await newestFirstIds(search));
      if (first.nextCursor === undefined) continue;
      const second = await searchOrders(client, { ...search, cursor: first.nextCursor });
      expect(second.items.map((order) => order.orderId)).toEqual(await newestFirstIds({ ...search, cursor: first.nextCursor }));
    }
    // both ways were taken: Grace's 100 orders are fewer than the bound, Ada's 9,900 more
    expect((await searchOrders(client, { q: 'Grace', limit: 200 })).items).toHaveLength(100);
    expect(100).toBeLessThanOrEqual(textMatchesSortedInMemory);
    expect(9_900).toBeGreaterThan(textMatchesSortedInMemory);
  });

  it('that matches nothing looks it up in the text index just written to: the index keeps no pending list', async () => {
    // 20,000 orders written since the index was created would all wait in a pending list, which every search reads whole;
    // counting that, the planner read the whole table instead
    const small = await createTestDatabase();
    const smallClient = await openSqlClient(small.url);
    try {
      await orderSearch.setup!(smallClient);
      await insertOrders(smallClient, 1, 20_000);
      await smallClient.query('ANALYZE order_search');
      const plan = await planOf(orderSearchStatements({ q: 'zzzz' }).throughTextIndex!, smallClient);
      expect(plan).toMatch(/Bitmap Index Scan on order_search_search_idx/);
      expect(plan).not.toMatch(/order_search_placed_idx|Seq Scan on order_search/);
    } finally {
      await smallClient.close();
      await small.drop();
    }
  }, 60_000);
});
