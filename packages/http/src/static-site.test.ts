import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpApp } from './create-http-app.js';
import { staticSiteRoutes } from './static-site.js';

const root = mkdtempSync(join(tmpdir(), 'twofold-site-'));
mkdirSync(join(root, 'assets'));
const index = '<!doctype html><title>page</title>';
const script = `console.log(${JSON.stringify('x'.repeat(2_000))});`;
writeFileSync(join(root, 'index.html'), index);
writeFileSync(join(root, 'assets', 'index-abc123.js'), script);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function siteApp(dir = root) {
  const app = await createHttpApp();
  app.get('/api/things', async () => ({ things: [] }));
  staticSiteRoutes(app, { root: dir, notBuiltHint: 'run npm run build' });
  return app;
}

describe('staticSiteRoutes', () => {
  it('serves index.html at / and hashed assets for good, gzipped when the client accepts it', async () => {
    const app = await siteApp();
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toBe(index);
    const asset = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(asset.headers['content-encoding']).toBe('gzip');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(gunzipSync(asset.rawPayload).toString()).toBe(script);
    expect((await app.inject({ url: '/assets/index-abc123.js' })).body).toBe(script);
  });

  it('answers page paths with index.html (the page routes itself), but unknown files and API paths with a JSON 404', async () => {
    const app = await siteApp();
    expect((await app.inject({ url: '/orders/o-1' })).body).toBe(index);
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    const api = await app.inject({ url: '/api/nothing' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await app.inject({ url: '/api/things' })).json()).toEqual({ things: [] });
    expect((await app.inject({ url: '/health/nothing' })).json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('says how to build the page when the folder has none', async () => {
    const app = await siteApp(join(root, 'nowhere'));
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(404);
    expect(page.body).toBe('run npm run build');
  });

  it('never serves a file outside the folder', async () => {
    const app = await siteApp();
    expect((await app.inject({ url: '/bad%E0%A4%A' })).statusCode).toBe(400);
    for (const url of ['/../package.json', '/assets/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
      const reply = await app.inject({ url });
      expect(reply.body).not.toContain('root:');
      expect([200, 404]).toContain(reply.statusCode);
    }
  });
});
