// Worker side of the HTTP benchmarks: the shop (startShop), and a bare Fastify baseline server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogCursor } from '@twofold/core';
import { shopProjections, startShop, type Shop } from '@twofold/shop';
import Fastify from 'fastify';
import pg from 'pg';
import { epochMs } from './clock.js';
import type { CommittedEvent, ProgressEntry } from './lag.js';

export interface ShopServerParams {
  /** `postgres://…`, or `pglite` for a fresh PGlite directory. */
  readonly store: string;
  /** Keep orders by id in this Redis, under `kvKeyPrefix`. */
  readonly kv?: string;
  readonly kvKeyPrefix?: string;
  /** The shop's roles in this process (default all of them). */
  readonly roles?: readonly ('command' | 'query' | 'projector')[];
  /** The projector's gathering window (the shop's default where absent). */
  readonly minBatchIntervalMs?: number;
  /** The window of the read models other than orderSummaries (the shop's default where absent). */
  readonly otherBatchIntervalMs?: number;
}


let shop: Shop | undefined;
let progress: ProgressEntry[] = [];
/** The other read models' progress, by name: their lag beside orderSummaries'. */
let otherProgress: Record<string, ProgressEntry[]> = {};
const otherReadModels: ReadonlySet<string> = new Set(shopProjections.map((projection) => projection.name).filter((name) => name !== 'orderSummaries'));
let closers: (() => Promise<void>)[] = [];

/** The table behind the baseline routes: what one INSERT and one primary-key SELECT cost through Fastify and pg. */
const baselineTable = `CREATE TABLE IF NOT EXISTS bench_baseline_orders (
  order_id text PRIMARY KEY,
  customer_id text NOT NULL,
  body jsonb NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now()
)`;

export const serverHandlers = {
  async 'server.shop'(params: ShopServerParams): Promise<{ url: string }> {
    let store = params.store;
    if (store === 'pglite') {
      const dataDir = await mkdtemp(join(tmpdir(), 'twofold-bench-shop-'));
      closers.push(() => rm(dataDir, { recursive: true, force: true }));
      store = `pglite:${dataDir}`;
    }
    shop = await startShop({
      store,
      kv: params.kv,
      kvKeyPrefix: params.kvKeyPrefix,
      ...(params.roles === undefined ? {} : { roles: new Set(params.roles) }),
      daemon: {
        ...(params.minBatchIntervalMs === undefined ? {} : { minBatchIntervalMs: params.minBatchIntervalMs }),
        ...(params.otherBatchIntervalMs === undefined ? {} : { otherBatchIntervalMs: params.otherBatchIntervalMs }),
      },
      port: 0,
      host: '127.0.0.1',
      logger: false,
    });
    const started = shop;
    closers.push(() => started.close());
    shop.daemon?.onProgress(({ name, live, cursor, committedAt }) => {
      if (!live) return;
      const entry: ProgressEntry = [committedAt.getTime(), cursor.transactionId, cursor.position, epochMs()];
      if (name === 'orderSummaries') progress.push(entry);
      else if (otherReadModels.has(name)) (otherProgress[name] ??= []).push(entry);
    });
    return { url: shop.url };
  },

  /** The progress log since the last call. */
  async 'server.progress'(): Promise<ProgressEntry[]> {
    const taken = progress;
    progress = [];
    return taken;
  },

  /** The other read models' progress logs since the last call, by name. */
  async 'server.otherProgress'(): Promise<Record<string, ProgressEntry[]>> {
    const taken = otherProgress;
    otherProgress = {};
    return taken;
  },

  /** The head of the shop's log (undefined when empty), read through its event store: a PGlite log is reachable only in this process. */
  async 'server.head'(): Promise<LogCursor | undefined> {
    return (await runningShop().eventStore.head())?.cursor;
  },

  /** Every event of the shop's log after `after`, with its transaction and when it was recorded, for the lag per event. */
  async 'server.events'(params: { after: LogCursor }): Promise<CommittedEvent[]> {
    const events: CommittedEvent[] = [];
    for (let after = params.after; ; ) {
      const page = await runningShop().eventStore.readAll({ after, limit: 1_000 });
      const last = page.at(-1);
      if (last === undefined) return events;
      for (const event of page) events.push({ position: event.globalPosition, transactionId: event.transactionId, committedAtMs: event.recordedAt.getTime() });
      after = { transactionId: last.transactionId, position: last.globalPosition };
    }
  },

  /** `constant`: GET /constant answers it as JSON (a body the size of the shop's answers, without the work behind them). */
  async 'server.baseline'(params: { url?: string; constant?: unknown }): Promise<{ url: string }> {
    const app = Fastify({ logger: false });
    app.get('/hello', async () => ({ hello: 'world' }));
    if (params.constant !== undefined) {
      const body = JSON.stringify(params.constant);
      app.get('/constant', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
    }
    if (params.url !== undefined) {
      const pool = new pg.Pool({ connectionString: params.url });
      await pool.query(baselineTable);
      app.post('/orders', async (request, reply) => {
        const body = request.body as { orderId: string; customerId: string };
        await pool.query('INSERT INTO bench_baseline_orders (order_id, customer_id, body) VALUES ($1, $2, $3)', [body.orderId, body.customerId, JSON.stringify(body)]);
        return reply.code(202).send({ orderId: body.orderId });
      });
      app.get('/orders/:id', async (request, reply) => {
        const { rows } = await pool.query('SELECT order_id, customer_id, body, placed_at FROM bench_baseline_orders WHERE order_id = $1', [(request.params as { id: string }).id]);
        return rows[0] === undefined ? reply.code(404).send({ error: 'not found' }) : rows[0];
      });
      closers.push(() => pool.end());
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    const address = app.server.address();
    return { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` };
  },
};

function runningShop(): Shop {
  if (shop === undefined) throw new Error('no shop runs in this worker: call server.shop first');
  return shop;
}

export async function closeServers(): Promise<void> {
  const pending = closers.reverse();
  closers = [];
  shop = undefined;
  for (const close of pending) await close().catch(() => undefined);
}
