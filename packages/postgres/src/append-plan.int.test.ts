// The multi-stream append must look up the versions it checks by index, whatever the size of the log.
import { expect, it } from 'vitest';
import { useMigratedDatabase } from './query-plan.fixture.js';
import { appendEvents, appendEventsParams } from './statements/append-events.js';

const client = useMigratedDatabase(async (migrated) => {
  // 30,000 events over 500 streams, as a shop of 500 products has after a few minutes of orders: few distinct
  // streams is what made the planner prefer hashing the whole log to 100 index lookups
  await migrated.query(
    `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata)
     SELECT 'product-' || (n % 500), n / 500 + 1, gen_random_uuid(), 'StockReserved', '{}'::jsonb, '{}'::jsonb
     FROM generate_series(0, 29999) AS n`,
  );
  await migrated.query('ANALYZE twofold_events');
});

it('checks expected versions with index lookups, never a scan of the log', async () => {
  // product-7 holds 60 events
  const version = 60;
  const [parameter] = appendEventsParams([
    { streamId: 'order-new', expectedVersion: 'no_stream', events: [{ type: 'OrderPlaced', data: {} }] },
    { streamId: 'product-7', expectedVersion: version, events: [{ type: 'StockReserved', data: {} }] },
  ]);
  const literal = `'${String(parameter).replaceAll("'", "''")}'`;
  const { rows } = await client().query<{ 'QUERY PLAN': string }>(`EXPLAIN ${appendEvents.text.replace('$1', literal)}`);
  const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
  expect(plan).toMatch(/Index (Only )?Scan/);
  expect(plan).not.toMatch(/Seq Scan on twofold_events/);

  // and the statement still appends, checking the version it was given
  const appended = await client().query(appendEvents.text, [parameter]);
  expect(appended.rows.map((row) => Number((row as { stream_version: string }).stream_version))).toEqual([1, version + 1]);
});
