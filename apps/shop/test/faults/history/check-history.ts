// Checks a recorded history against what the database holds afterwards (Jepsen-style): acknowledged commands stored
// exactly once, token reads reflecting their write, stock never negative and equal to restocks minus live
// reservations, merchant balances equal to a recomputation from the orders, every read model equal to a rebuild.
import { compareCursors, createProjectionDaemon } from '@twofold/core';
import { migrate, openSqlClient, postgresEventStore, postgresProjectionStore, type PostgresClient } from '@twofold/postgres';
import { createTestDatabase } from '@twofold/testing';
import { shopProjections } from '../../../src/shop-server.js';
import type { History, Operation } from './workload.js';

/** The units a raw ProductRestocked row added: v2 calls them `added`, v1 `quantity` (the checker reads rows, not upcast events). */
const restockedBy = (data: { added?: number; quantity?: number }): number => data.added ?? data.quantity ?? 0;

interface StoredRow {
  readonly stream_id: string;
  readonly stream_version: number;
  readonly global_position: number;
  readonly transaction_id: string;
  readonly event_type: string;
  readonly data: Record<string, any>;
  readonly correlation_id: string | null;
}

export interface HistoryReport {
  readonly anomalies: readonly string[];
  readonly operations: number;
  readonly commands: { readonly acknowledged: number; readonly found: number; readonly refused: number; readonly unknown: number; readonly unknownApplied: number };
  readonly reads: { readonly withToken: number; readonly caughtUp: number; readonly stale: number; readonly checked: number };
  readonly events: number;
  readonly readModelsCompared: readonly string[];
}

const commandKinds = new Set(['add', 'place', 'pay', 'cancel', 'restock', 'payout']);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The reader-visible relations of the read models (views over their live generation), each dumped as sorted JSON rows. */
async function dumpReadModels(client: PostgresClient): Promise<Map<string, string[]>> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name NOT LIKE 'twofold%' ORDER BY 1`,
  );
  const dumps = new Map<string, string[]>();
  for (const { name } of rows) {
    const dump = await client.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM "${name}" t`);
    dumps.set(name, dump.rows.map((row) => row.r).sort());
  }
  return dumps;
}

/**
 * Waits until every read model has applied the whole log: each checkpoint at the last event in commit order. Not the
 * lag /api/projections shows: that is measured to the head readers can see, which any transaction still open on the
 * server holds back (transaction ids are server-wide: another database's transaction too), so it can read 0 while
 * committed events wait to be applied.
 */
async function untilCaughtUp(client: PostgresClient, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ behind: string; names: string }>(
      `WITH last AS (SELECT transaction_id::text::bigint AS xid, global_position FROM twofold_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1)
       SELECT count(*) FILTER (WHERE (c.transaction_id, c.position) < (last.xid, last.global_position)) AS behind, count(*) AS names
       FROM twofold_checkpoints c, last`,
    );
    if (Number(rows[0]!.behind) === 0 && Number(rows[0]!.names) >= shopProjections.length) return;
    if (Date.now() > deadline) throw new Error(`read models did not catch up: ${rows[0]!.behind} behind the last event`);
    await pause(100);
  }
}

export async function checkHistory(history: History, store: string): Promise<HistoryReport> {
  const anomalies: string[] = [];
  const anomaly = (text: string) => anomalies.push(text);
  const operations = history.operations;
  const client = await openSqlClient(store);
  try {
    const events = (
      await client.query<StoredRow>(
        `SELECT stream_id, stream_version::int, global_position::int, transaction_id::text, event_type, data, metadata->>'correlationId' AS correlation_id
         FROM twofold_events ORDER BY global_position`,
      )
    ).rows;
    const byCorrelation = groupBy(events, (e) => e.correlation_id ?? '(none)');
    const byStream = groupBy(events, (e) => e.stream_id);
    for (const stream of byStream.values()) stream.sort((a, b) => a.stream_version - b.stream_version);
    const byId = new Map(operations.map((op) => [op.correlationId, op]));

    // 1. every acknowledged command's events are in the store exactly once; refused ones wrote nothing; unknown ones at most once
    const commands = { acknowledged: 0, found: 0, refused: 0, unknown: 0, unknownApplied: 0 };
    for (const op of operations.filter((o) => commandKinds.has(o.kind))) {
      const written = byCorrelation.get(op.correlationId) ?? [];
      const transactions = new Set(written.map((e) => e.transaction_id));
      const streams = written.map((e) => `${e.stream_id}@${e.event_type}`);
      if (transactions.size > 1) anomaly(`${describe(op)}: its events were written by ${transactions.size} transactions (applied more than once): ${streams.join(', ')}`);
      if (new Set(streams).size !== streams.length) anomaly(`${describe(op)}: an event repeated within its write: ${streams.join(', ')}`);
      if (op.outcome === 'ok') {
        commands.acknowledged++;
        if (written.length === 0) {
          anomaly(`${describe(op)}: acknowledged (202, position ${positionIn(op)}) but none of its events is in the store`);
          continue;
        }
        commands.found++;
        const expected = expectedEvents(op, byStream);
        if (expected !== undefined && expected !== written.length) anomaly(`${describe(op)}: ${written.length} events stored, ${expected} expected: ${streams.join(', ')}`);
        if (!written.some((e) => e.global_position === positionIn(op))) anomaly(`${describe(op)}: answered position ${positionIn(op)}, which holds none of its events (${written.map((e) => e.global_position).join(', ')})`);
      } else if (op.outcome === 'refused') {
        commands.refused++;
        if (written.length > 0) anomaly(`${describe(op)}: refused with ${op.status} but wrote ${streams.join(', ')}`);
      } else {
        if (op.outcome === 'failed') anomaly(`${describe(op)}: answered ${op.status} ${JSON.stringify(op.response)}`);
        commands.unknown++;
        if (written.length > 0) commands.unknownApplied++;
      }
    }
    for (const [correlationId, written] of byCorrelation) {
      if (!byId.has(correlationId)) anomaly(`${written.length} events with correlation id ${correlationId}, which no operation of the history sent`);
    }

    // 2. every read sent with a token and answered caught-up reflects the write the token came from
    const reads = { withToken: 0, caughtUp: 0, stale: 0, checked: 0 };
    // the balances after each version of a merchant's stream (index = version), computed once per stream
    const balanceCache = new Map<string, string[]>();
    const balancesByVersion = (streamId: string, stream: readonly StoredRow[]): string[] => {
      const cached = balanceCache.get(streamId);
      if (cached !== undefined) return cached;
      const totals = { MerchantCharged: 0, MerchantRefunded: 0, PayoutSent: 0 } as Record<string, number>;
      const states = ['0/0/0'];
      for (const event of stream) {
        if (event.data.currency === 'EUR' && event.event_type in totals) totals[event.event_type]! += Number(event.data.amountCents);
        states[event.stream_version] = `${totals.MerchantCharged}/${totals.MerchantRefunded}/${totals.PayoutSent}`;
      }
      balanceCache.set(streamId, states);
      return states;
    };
    for (const op of operations.filter((o) => o.tokenOf !== undefined && o.outcome !== 'unknown')) {
      reads.withToken++;
      if (op.headers['x-consistency'] !== 'caught-up') {
        reads.stale++;
        continue;
      }
      reads.caughtUp++;
      const stream = byStream.get(op.tokenOf!.streamId) ?? [];
      const write = stream.filter((e) => e.correlation_id === op.tokenOf!.correlationId).at(-1);
      if (Number(op.headers['x-projection-position']) < op.token!) anomaly(`${describe(op)}: caught-up at position ${op.headers['x-projection-position']}, below its token ${op.token}`);
      if (op.kind === 'read-order') {
        reads.checked++;
        if (op.status !== 200) {
          anomaly(`${describe(op)}: answered ${op.status} caught-up, though the order's write at ${op.token} was acknowledged`);
          continue;
        }
        const read = op.response as { status: string; lastPosition: number };
        const seen = stream.find((e) => e.global_position === read.lastPosition);
        if (seen === undefined || write === undefined || seen.stream_version < write.stream_version) {
          anomaly(`${describe(op)}: shows the order as of position ${read.lastPosition}, before its write at ${op.token}`);
        } else if (orderStatusAt(stream, seen.stream_version) !== read.status) {
          anomaly(`${describe(op)}: status ${read.status}, but the order's events up to position ${read.lastPosition} make it ${orderStatusAt(stream, seen.stream_version)}`);
        }
      } else if (op.kind === 'read-balances') {
        reads.checked++;
        const read = (op.response as { balances: { currency: string; chargesCents: number; refundsCents: number; payoutsCents: number }[] }).balances.find((b) => b.currency === 'EUR');
        const shown = read === undefined ? '0/0/0' : `${read.chargesCents}/${read.refundsCents}/${read.payoutsCents}`;
        // the balances after some prefix of the merchant's stream that includes the write
        const from = write?.stream_version ?? 0;
        const prefixes = balancesByVersion(op.tokenOf!.streamId, stream).filter((_, version) => version >= from);
        if (!prefixes.includes(shown)) anomaly(`${describe(op)}: charges/refunds/payouts ${shown} match no state of the merchant at or after its write (${prefixes.join(' | ')})`);
      }
    }

    // 3. stock is never negative, and equals restocks minus live reservations
    const orderStreams = [...byStream].filter(([id]) => id.startsWith('order-')).map(([, stream]) => stream);
    // the read models are compared once they have applied the whole log
    await untilCaughtUp(client);
    const catalog = new Map((await client.query<{ sku: string; stock_on_hand: string; reserved: string }>('SELECT sku, stock_on_hand, reserved FROM product_catalog')).rows.map((r) => [r.sku, r]));
    for (const product of history.products) {
      const stream = byStream.get(`product-${product.sku}`) ?? [];
      let onHand = 0;
      let reserved = 0;
      for (const event of stream) {
        if (event.event_type === 'ProductAdded') onHand = event.data.stock;
        if (event.event_type === 'ProductRestocked') onHand += restockedBy(event.data);
        if (event.event_type === 'StockReserved') reserved += event.data.quantity;
        if (event.event_type === 'StockReleased') reserved -= event.data.quantity;
        if (reserved < 0 || onHand - reserved < 0) anomaly(`${product.sku}: at version ${event.stream_version} on hand ${onHand}, reserved ${reserved}: negative stock`);
      }
      const live = orderStreams
        .filter((s) => !s.some((e) => e.event_type === 'OrderCancelled'))
        .flatMap((s) => s.filter((e) => e.event_type === 'OrderPlaced').flatMap((e) => e.data.lines as { sku: string; quantity: number }[]))
        .filter((line) => line.sku === product.sku)
        .reduce((sum, line) => sum + line.quantity, 0);
      if (reserved !== live) anomaly(`${product.sku}: ${reserved} units reserved on the product, but live orders hold ${live}`);
      const restocks = stream.filter((e) => e.event_type === 'ProductRestocked').reduce((sum, e) => sum + restockedBy(e.data), product.stock);
      if (onHand !== restocks) anomaly(`${product.sku}: on hand ${onHand}, restocks add up to ${restocks}`);
      const row = catalog.get(product.sku);
      if (row === undefined || Number(row.stock_on_hand) !== onHand || Number(row.reserved) !== live) {
        anomaly(`${product.sku}: the catalog shows ${row?.stock_on_hand}/${row?.reserved} on hand/reserved, the events ${onHand}/${live}`);
      }
    }

    // 4. merchant balances equal a recomputation from the orders' events and the payouts
    const expected = new Map<string, { charges: number; refunds: number; payouts: number }>();
    const account = (merchantId: string) => expected.get(merchantId) ?? (expected.set(merchantId, { charges: 0, refunds: 0, payouts: 0 }), expected.get(merchantId)!);
    for (const stream of orderStreams) {
      const placed = stream.find((e) => e.event_type === 'OrderPlaced');
      const lines = (placed?.data.lines ?? []) as { merchantId: string; quantity: number; unitPriceCents: number }[];
      const paid = stream.some((e) => e.event_type === 'OrderPaid');
      const refunded = stream.some((e) => e.event_type === 'OrderCancelled' && e.data.refundCents > 0);
      for (const line of lines) {
        if (paid) account(line.merchantId).charges += line.quantity * line.unitPriceCents;
        if (refunded) account(line.merchantId).refunds += line.quantity * line.unitPriceCents;
      }
    }
    for (const event of events.filter((e) => e.event_type === 'PayoutSent')) account(event.data.merchantId).payouts += event.data.amountCents;
    const balances = (await client.query<{ merchant_id: string; charges_cents: string; refunds_cents: string; payouts_cents: string }>('SELECT * FROM merchant_balances WHERE currency = $1', ['EUR'])).rows;
    for (const [merchantId, want] of expected) {
      const row = balances.find((b) => b.merchant_id === merchantId);
      const shown = `${row?.charges_cents ?? 0}/${row?.refunds_cents ?? 0}/${row?.payouts_cents ?? 0}`;
      if (shown !== `${want.charges}/${want.refunds}/${want.payouts}`) anomaly(`merchant ${merchantId}: balances read ${shown} charges/refunds/payouts, the orders and payouts make ${want.charges}/${want.refunds}/${want.payouts}`);
      const fromStream = balancesOf(byStream.get(`merchant-${merchantId}`) ?? []);
      if (fromStream !== `${want.charges}/${want.refunds}/${want.payouts}`) anomaly(`merchant ${merchantId}: its stream makes ${fromStream}, the orders and payouts ${want.charges}/${want.refunds}/${want.payouts}`);
    }

    // 5. every read model equals a rebuild from scratch
    const readModelsCompared = await compareWithRebuild(client, store, anomaly);
    return { anomalies, operations: operations.length, commands, reads, events: events.length, readModelsCompared };
  } finally {
    await client.close();
  }
}

async function compareWithRebuild(client: PostgresClient, store: string, anomaly: (text: string) => void): Promise<string[]> {
  const live = await dumpReadModels(client);
  const fresh = await createTestDatabase();
  const freshClient = await openSqlClient(fresh.url);
  const logClient = await openSqlClient(store);
  try {
    await migrate(freshClient);
    const eventStore = postgresEventStore(logClient);
    const projectionStore = postgresProjectionStore(freshClient);
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: shopProjections });
    daemon.start();
    // the last event in commit order, read directly: head() is held back while any transaction on the server is open
    const { rows } = await client.query<{ xid: string; position: string }>(
      `SELECT transaction_id::text AS xid, global_position AS position FROM twofold_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    const last = { transactionId: Number(rows[0]!.xid), position: Number(rows[0]!.position) };
    const deadline = Date.now() + 600_000;
    for (;;) {
      const checkpoints = await projectionStore.readCheckpoints(shopProjections.map((p) => p.name));
      if (checkpoints.length === shopProjections.length && checkpoints.every((c) => compareCursors(c.cursor, last) >= 0)) break;
      if (Date.now() > deadline) throw new Error('the rebuild from scratch did not catch up');
      await pause(50);
    }
    await daemon.stop();
    await projectionStore.close();
    await eventStore.close();
    const rebuilt = await dumpReadModels(freshClient);
    for (const name of new Set([...live.keys(), ...rebuilt.keys()])) {
      const a = live.get(name) ?? [];
      const b = rebuilt.get(name) ?? [];
      const [inA, inB] = [new Set(a), new Set(b)];
      const onlyLive = a.filter((row) => !inB.has(row));
      const onlyRebuilt = b.filter((row) => !inA.has(row));
      if (onlyLive.length > 0 || onlyRebuilt.length > 0 || a.length !== b.length) {
        anomaly(`read model ${name} differs from a rebuild: ${a.length} vs ${b.length} rows; live only ${onlyLive.slice(0, 3).join(' ')}; rebuilt only ${onlyRebuilt.slice(0, 3).join(' ')}`);
      }
    }
    return [...live.keys()];
  } finally {
    await logClient.close();
    await freshClient.close();
    await fresh.drop();
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group === undefined) groups.set(key(item), [item]);
    else group.push(item);
  }
  return groups;
}

const describe = (op: Operation): string => `#${op.seq} ${op.kind} ${op.method} ${op.path} (${op.correlationId}, ${op.outcome}${op.status === undefined ? '' : ` ${op.status}`})`;
const positionIn = (op: Operation): number => (op.response as { position: number }).position;

/** Charges/refunds/payouts in EUR after these merchant events. */
function balancesOf(stream: readonly StoredRow[]): string {
  const sum = (type: string) => stream.filter((e) => e.event_type === type && e.data.currency === 'EUR').reduce((total, e) => total + Number(e.data.amountCents), 0);
  return `${sum('MerchantCharged')}/${sum('MerchantRefunded')}/${sum('PayoutSent')}`;
}

function orderStatusAt(stream: readonly StoredRow[], version: number): string {
  let status = 'none';
  for (const event of stream.filter((e) => e.stream_version <= version)) {
    status = { OrderPlaced: 'placed', OrderPaid: 'paid', OrderShipped: 'shipped', OrderDelivered: 'delivered', OrderCancelled: 'cancelled' }[event.event_type] ?? status;
  }
  return status;
}

/** How many events a command writes, from what it named and the order's events before it; undefined when it cannot be told. */
function expectedEvents(op: Operation, byStream: ReadonlyMap<string, StoredRow[]>): number | undefined {
  const body = op.body as { lines?: { sku: string }[] };
  switch (op.kind) {
    case 'add':
    case 'restock':
    case 'payout':
      return 1;
    case 'place':
      return 1 + new Set(body.lines!.map((l) => l.sku)).size;
    case 'pay':
    case 'cancel': {
      const orderId = /\/api\/orders\/([^/]+)\//.exec(op.path)![1]!;
      const stream = byStream.get(`order-${orderId}`) ?? [];
      const placed = stream.find((e) => e.event_type === 'OrderPlaced');
      if (placed === undefined) return undefined;
      const lines = placed.data.lines as { sku: string; merchantId: string; quantity: number; unitPriceCents: number }[];
      const merchants = new Set(lines.filter((l) => l.quantity * l.unitPriceCents > 0).map((l) => l.merchantId)).size;
      if (op.kind === 'pay') return 1 + merchants;
      const mine = stream.find((e) => e.correlation_id === op.correlationId);
      const paidBefore = stream.some((e) => e.event_type === 'OrderPaid' && mine !== undefined && e.stream_version < mine.stream_version);
      return 1 + new Set(lines.map((l) => l.sku)).size + (paidBefore ? merchants : 0);
    }
    default:
      return undefined;
  }
}
