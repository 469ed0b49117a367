// SIGTERM under a stream of commands: readiness turns false, every request sent before the signal is answered,
// every 202 is in the store, and the process exits 0 within 10 s.
import { openSqlClient, postgresEventStore } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

interface Sent {
  readonly beforeSignal: boolean;
  readonly outcome: { status: number; body: { correlationId?: string; streamId?: string; streamVersion?: number } } | { error: string };
}

describe('graceful shutdown of `twofold serve` on PostgreSQL', () => {
  let database: TestDatabase;
  let shop: ShopProcess;
  beforeAll(async () => {
    database = await createTestDatabase();
    shop = await spawnShop(['--store', database.url], { LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await shop?.kill('SIGKILL');
    await database?.drop();
  });

  it('answers every request sent before SIGTERM, keeps every 202, and exits 0 within 10 s', async () => {
    const skus = Array.from({ length: 8 }, (_, i) => `sku-g${i}`);
    for (const sku of skus) expect((await request(shop.url, 'POST', '/api/products', product(sku, 0))).status).toBe(202);
    const sent: Sent[] = [];
    let signalled = false;
    let exited = false;
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      shop.child.once('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal });
      }),
    );

    // eight clients, each restocking its product one command after another over kept-alive connections
    const client = async (sku: string): Promise<void> => {
      while (!exited) {
        const beforeSignal = !signalled;
        try {
          const response = await fetch(`${shop.url}/api/products/${sku}/restock`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ quantity: 1 }),
          });
          sent.push({ beforeSignal, outcome: { status: response.status, body: (await response.json()) as object } });
        } catch (error) {
          sent.push({ beforeSignal, outcome: { error: String((error as { cause?: { code?: string } }).cause?.code ?? error) } });
          if (signalled) return; // the listener is gone
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    };
    const clients = skus.map((sku) => client(sku));

    await new Promise((resolve) => setTimeout(resolve, 2_500));
    signalled = true;
    const signalledAt = Date.now();
    shop.child.kill('SIGTERM');
    // while it drains, readiness answers 503 (on a new connection: the listener is still open)
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ready = await fetch(`${shop.url}/health/ready`).then(
      (response) => response.status,
      (error: unknown) => String(error),
    );
    const { code, signal } = await exit;
    const tookMs = Date.now() - signalledAt;
    await Promise.all(clients);

    expect(ready).toBe(503);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(10_000);
    expect(shop.output()).not.toMatch(/exiting now/);

    const before = sent.filter((s) => s.beforeSignal);
    expect(before.length).toBeGreaterThan(20);
    // every request sent before the signal got an answer, and it was a 202
    expect(before.filter((s) => 'error' in s.outcome)).toEqual([]);
    expect(new Set(before.map((s) => ('status' in s.outcome ? s.outcome.status : 0)))).toEqual(new Set([202]));

    // every 202, before or after the signal, is in the store, under its correlation id and version
    const accepted = sent.flatMap((s) => ('status' in s.outcome && s.outcome.status === 202 ? [s.outcome.body] : []));
    const storeClient = await openSqlClient(database.url);
    try {
      const eventStore = postgresEventStore(storeClient);
      let stored = 0;
      for (const sku of skus) {
        const events = await eventStore.readStream(`product-${sku}`);
        stored += events.length - 1;
        const byVersion = new Map(events.map((event) => [event.streamVersion, event.metadata.correlationId]));
        for (const answer of accepted.filter((a) => a.streamId === `product-${sku}`)) expect(byVersion.get(answer.streamVersion!)).toBe(answer.correlationId);
      }
      expect(accepted.every((a) => skus.some((sku) => a.streamId === `product-${sku}`))).toBe(true);
      // nothing stored that was not answered, but for what a client cut off after the signal may have sent
      const cutOff = sent.filter((s) => !s.beforeSignal && 'error' in s.outcome).length;
      expect(stored - accepted.length).toBeGreaterThanOrEqual(0);
      expect(stored - accepted.length).toBeLessThanOrEqual(cutOff);
    } finally {
      await storeClient.close();
    }
    console.log(`graceful shutdown: ${before.length} commands before SIGTERM, ${accepted.length} accepted in all, exit 0 after ${tookMs} ms`);
  }, 60_000);
});
