// `twofold projections …` as a user runs it: a separate process acting on the stores of a running shop.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, product, request, type RunningShop } from './shop-fixture.js';

const bin = fileURLToPath(new URL('../dist/bin/twofold.js', import.meta.url));
const run = promisify(execFile);

describe('twofold projections on PostgreSQL', () => {
  let running: RunningShop;
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, 'projections', ...args, '--store', running.store], { timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  beforeAll(async () => {
    running = await backends[1]!.start();
  });
  afterAll(() => running?.stop());

  it('lists, pauses, resumes, rebuilds with progress, and reports dead letters', async () => {
    const base = running.url;
    await request(base, 'POST', '/api/products', product('CLI-1', 100));
    let last = 0;
    for (let i = 0; i < 20; i++) last = (await request(base, 'POST', '/api/orders', { orderId: `cli-${i}`, customerId: 'c', currency: 'EUR', lines: [{ sku: 'CLI-1', quantity: 1 }] })).body.position;
    await request(base, 'GET', '/api/orders/cli-19', undefined, { 'X-Min-Position': String(last) });

    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+VERSION\s+STATUS/m);
    expect(list.stdout).toMatch(/^orderSearch\s+1\s+\S+/m);

    expect((await cli('pause', 'orderSearch')).stdout).toContain('orderSearch: paused');
    expect((await request(base, 'GET', '/api/projections')).body.projections.find((p: { name: string }) => p.name === 'orderSearch').paused).toBe(true);
    expect((await cli('resume', 'orderSearch')).stdout).toContain('orderSearch: resumed');

    const rebuild = await cli('rebuild', 'orderSearch');
    expect(rebuild.code).toBe(0);
    expect(rebuild.stderr).toMatch(/rebuilding orderSearch: done, readers switched at position \d+/);
    const after = (await request(base, 'GET', '/api/projections')).body.projections.find((p: { name: string }) => p.name === 'orderSearch');
    expect(after).toMatchObject({ generation: 2, rebuild: null });
    expect((await request(base, 'GET', '/api/orders?customerId=c&limit=50')).body.items).toHaveLength(20);

    expect((await cli('dead-letters', 'list', 'orderSearch')).stdout).toContain('orderSearch: no dead letters');
    const unknown = await cli('pause', 'nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('projection nope not found');
  });
});
