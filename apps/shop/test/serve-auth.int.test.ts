// `twofold serve` with TWOFOLD_API_KEYS: a bad list stops the start naming the entry; keys are enforced and never logged.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

const bin = fileURLToPath(new URL('../dist/bin/twofold.js', import.meta.url));
const run = promisify(execFile);

describe('twofold serve with API keys', () => {
  let shop: ShopProcess | undefined;
  afterAll(() => shop?.kill('SIGKILL'));

  it('refuses to start on a bad key list, naming the entry and not the key', async () => {
    const failure = await run(process.execPath, [bin, 'serve', '--store', 'memory', '--port', '0'], {
      env: { ...process.env, TWOFOLD_API_KEYS: 'reader-key-0123456789:reader,tooshort99:writer' },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/TWOFOLD_API_KEYS: entry 2 \(…:writer\) has a key of 10 characters; keys need at least 16/);
    expect(failure?.stderr).not.toContain('tooshort99');
  });

  it('asks for a key of the right role, and logs none of them', async () => {
    const keys = { reader: 'serve-reader-0123456789', writer: 'serve-writer-0123456789', admin: 'serve-admin-0123456789' };
    shop = await spawnShop(['--store', 'memory'], { LOG_LEVEL: 'debug', TWOFOLD_API_KEYS: `${keys.reader}:reader,${keys.writer}:writer,${keys.admin}:admin` });
    const writer = { authorization: `Bearer ${keys.writer}` };
    const reader = { authorization: `Bearer ${keys.reader}` };
    expect((await request(shop.url, 'POST', '/api/products', product('sku-a', 1))).status).toBe(401);
    expect((await request(shop.url, 'POST', '/api/products', product('sku-a', 1), reader)).status).toBe(403);
    expect((await request(shop.url, 'POST', '/api/products', product('sku-a', 1), writer)).status).toBe(202);
    expect((await request(shop.url, 'GET', '/api/products', undefined, reader)).status).toBe(200);
    expect((await request(shop.url, 'GET', '/api/streams/product-sku-a', undefined, writer)).status).toBe(403);
    // the history says which key asked for each change (by its place in the list)
    const history = await request(shop.url, 'GET', '/api/streams/product-sku-a', undefined, { authorization: `Bearer ${keys.admin}` });
    expect(history.status).toBe(200);
    expect(history.body.events[0].metadata.actor).toBe('key-2');
    expect((await request(shop.url, 'GET', '/health/ready')).status).toBe(200);
    await shop.kill('SIGTERM');
    const output = shop.output();
    expect(output).toContain('request answered');
    for (const key of Object.values(keys)) expect(output).not.toContain(key);
  });
});
