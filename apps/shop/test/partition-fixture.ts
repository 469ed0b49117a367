// Test helpers for partitioned projectors: shops on a 3-node JetStream cluster, orders placed under load until told to stop, and the partitioned read
// models compared with a rebuild from scratch (the same log, one unpartitioned daemon, a read store of its own).
import { openSqlClient } from '@twofold/postgres';
import { createTestDatabase, startNatsServers, type NatsTestServers, type TestDatabase } from '@twofold/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, expect } from 'vitest';
import { startShop, type Shop } from '../src/shop-server.js';
import { request } from './shop-fixture.js';

export interface OrderLoad {
  readonly placed: () => number;
  /** The token of the last command acknowledged. */
  readonly lastToken: () => string;
  /** Stops placing and waits for the orders in flight. */
  stop(): Promise<void>;
}

/** `writers` loops placing orders on `skus` (one unit each) through `url`, paying every third; each must be acknowledged. */
export function placeOrdersUntilStopped(url: string, skus: readonly string[], { writers = 2, prefix = 'load', tolerateUnavailable = false } = {}): OrderLoad {
  let writing = true;
  let placed = 0;
  let lastToken = '0';
  const acknowledged = (status: number, body: unknown): boolean => {
    if (tolerateUnavailable && status === 503) return false;
    expect(status, JSON.stringify(body)).toBe(202);
    return true;
  };
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; writing; i++) {
      const orderId = `${prefix}-${w}-${i}`;
      const reply = await request(url, 'POST', '/api/orders', { orderId, customerId: `c-${i % 9}`, currency: 'EUR', lines: [{ sku: skus[i % skus.length]!, quantity: 1 }] });
      if (!acknowledged(reply.status, reply.body)) continue;
      placed++;
      lastToken = reply.headers.get('x-position')!;
      if (i % 3 === 0) {
        const paid = await request(url, 'POST', `/api/orders/${orderId}/pay`, { amountCents: 1_000, paymentRef: `p-${orderId}` });
        if (acknowledged(paid.status, paid.body)) lastToken = paid.headers.get('x-position')!;
      }
    }
  };
  const running = Array.from({ length: writers }, (_, w) => writer(w));
  // a writer that fails is reported by stop(); until then its rejection is not an unhandled one (a test that failed
  // elsewhere stops the load in its finally, and the cluster it wrote to may already be gone)
  for (const promise of running) promise.catch(() => undefined);
  return {
    placed: () => placed,
    lastToken: () => lastToken,
    async stop() {
      writing = false;
      await Promise.all(running);
    },
  };
}

const partitionedTables = { orderSummaries: 'order_summaries', orderSearch: 'order_search', productCatalog: 'product_catalog' } as const;

/** The partitioned read models in `modelsUrl` hold exactly what one daemon builds from the log of `storeUrl` from scratch. */
export async function expectEqualToARebuild(storeUrl: string, modelsUrl: string, minimumOrders: number): Promise<void> {
  const fresh = await createTestDatabase(undefined, { label: 'partition-rebuild' });
  const rebuild = await startShop({ store: storeUrl, readStore: fresh.url, roles: new Set(['projector']), port: 0, projectorThread: false });
  const live = await openSqlClient(modelsUrl);
  try {
    const head = (await rebuild.eventStore.head())!.cursor.position;
    await expect
      .poll(async () => (await rebuild.projectionStore.readCheckpoints(Object.keys(partitionedTables))).every((c) => c.cursor.position >= head), { timeout: 60_000, interval: 200 })
      .toBe(true);
    for (const table of Object.values(partitionedTables)) {
      const dump = `SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY 1`;
      const [got, want] = await Promise.all([live.query<{ row: unknown }>(dump), rebuild.readClient.query<{ row: unknown }>(dump)]);
      if (table !== 'product_catalog') expect(got.rows.length, table).toBeGreaterThanOrEqual(minimumOrders);
      expect(got.rows, table).toEqual(want.rows);
    }
  } finally {
    await live.close();
    await rebuild.close();
    await fresh.drop();
  }
}

export interface ClusterOfShops {
  readonly nats: NatsTestServers;
  readonly database: TestDatabase;
  /** A shop with these roles on the cluster (R3 stream) and the test database; closed after the file's tests. */
  start(roles: readonly ('command' | 'query' | 'relay' | 'projector')[]): Promise<Shop>;
}

/** Starts a 3-node NATS cluster and a database before the file's tests, and stops them (and every shop) after. */
export function clusterOfShops(label: string): ClusterOfShops {
  let nats: NatsTestServers | undefined;
  let database: TestDatabase | undefined;
  const shops: Shop[] = [];
  // the shops' warnings, printed if the teardown outlasts its budget: a part that does not stop names itself there
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  beforeAll(async () => {
    [nats, database] = await Promise.all([startNatsServers({ nodes: 3 }), createTestDatabase(undefined, { label })]);
    await nats.ready();
  }, 60_000);
  afterAll(async () => {
    let stage = 'closing the shops';
    const overdue = setTimeout(() => console.error(`teardown still ${stage} after 30 s; the shops' last warnings:\n${warnings.slice(-40).join('')}`), 30_000);
    try {
      for (const shop of shops) await shop.close().catch(() => undefined);
      stage = 'dropping the database';
      await database?.drop();
      stage = 'stopping NATS';
      await nats?.stop();
    } finally {
      clearTimeout(overdue);
    }
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the cluster starts before the tests');
    return value;
  };
  return {
    get nats() {
      return started(nats);
    },
    get database() {
      return started(database);
    },
    async start(roles) {
      const shop = await startShop({ store: started(database).url, bus: started(nats).urls, relay: { replicas: 3 }, roles: new Set(roles), port: 0, projectorThread: false, logger });
      shops.push(shop);
      return shop;
    },
  };
}
