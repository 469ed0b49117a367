// The auth matrix, generated from the shop's one access table: every route × (no key, reader, writer, admin).
import { apiRoles, parseApiKeys, roleSatisfies, type ApiRole, type RouteAccess } from '@twofold/http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopRouteAccess } from '../src/http/route-access.js';
import { startShop, type Shop } from '../src/shop-server.js';

const keys: Record<ApiRole, string> = { reader: 'matrix-reader-0123456789', writer: 'matrix-writer-0123456789', admin: 'matrix-admin-0123456789' };
const callers = ['none', ...apiRoles] as const;
type Caller = (typeof callers)[number];

/** What a caller gets on a route: refused before anything runs (401, 403), or let through (whatever the route answers). */
function expected(access: RouteAccess, caller: Caller): '401' | '403' | 'through' {
  if (access === 'public') return 'through';
  if (caller === 'none') return '401';
  return roleSatisfies(caller, access) ? 'through' : '403';
}

// path parameters: an order, a sku, a merchant, a customer, a stream that need not exist; a projection that does
const samples: Record<string, string> = { id: 'm-1', sku: 'sku-1', name: 'orderSummaries' };
const concrete = (url: string): string => url.replace(/:(\w+)/g, (_, param: string) => samples[param] ?? 'x');

const rows = Object.entries(shopRouteAccess).flatMap(([route, access]) => {
  const [method, url] = route.split(' ') as [string, string];
  const methods = method === 'GET' ? ['GET', 'HEAD'] : [method];
  return methods.flatMap((m) => callers.map((caller) => ({ method: m, url, access, caller, expect: expected(access, caller) })));
});

describe('auth matrix (from the access table)', () => {
  let shop: Shop;
  beforeAll(async () => {
    // a page of its own, so the dashboard's routes exist as they do under `twofold serve`
    const dashboardDir = await mkdtemp(join(tmpdir(), 'twofold-matrix-page-'));
    await writeFile(join(dashboardDir, 'index.html'), '<!doctype html><title>page</title>');
    shop = await startShop({
      store: 'pglite:memory',
      port: 0,
      dashboardDir,
      apiKeys: parseApiKeys(`${keys.reader}:reader,${keys.writer}:writer,${keys.admin}:admin`),
    });
  });
  afterAll(() => shop?.close());

  it('covers every role and every kind of route', () => {
    expect(new Set(Object.values(shopRouteAccess))).toEqual(new Set(['public', 'reader', 'writer', 'admin']));
    expect(rows.length).toBe(callers.length * (Object.keys(shopRouteAccess).length + Object.keys(shopRouteAccess).filter((r) => r.startsWith('GET ')).length));
  });

  it('keeps operating the projections, reading raw history and forgetting customers for admins, commands for writers, health open', () => {
    for (const [route, access] of Object.entries(shopRouteAccess)) {
      const [method, url] = route.split(' ') as [string, string];
      if (url.startsWith('/api/projections/') || url.startsWith('/api/streams/')) expect(access, route).toBe('admin');
      // erasing a customer's personal data cannot be undone
      else if (url.endsWith('/forget')) expect(access, route).toBe('admin');
      else if (url.startsWith('/health/')) expect(access, route).toBe('public');
      // the dashboard's page and assets: what it shows comes from the API under the caller's own key
      else if (url === '/' || url === '/*') expect(access, route).toBe('public');
      else if (method !== 'GET') expect(access, route).toBe('writer');
      else expect(access, route).toBe('reader');
    }
  });

  it.each(rows)('$method $url as $caller → $expect', async ({ method, url, caller, expect: outcome }) => {
    const headers: Record<string, string> = caller === 'none' ? {} : { authorization: `Bearer ${keys[caller]}` };
    const hasBody = method === 'POST';
    const response = await fetch(`${shop.url}${concrete(url)}`, {
      method,
      headers: hasBody ? { ...headers, 'content-type': 'application/json' } : headers,
      ...(hasBody ? { body: '{}' } : {}),
    });
    // a stream of server-sent events never ends: its status and headers are the answer
    const text = response.headers.get('content-type')?.startsWith('text/event-stream') ? (await response.body?.cancel(), '') : await response.text();
    if (outcome === '401') {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    } else if (outcome === '403') {
      expect(response.status).toBe(403);
    } else {
      expect([401, 403]).not.toContain(response.status);
      // the route exists: a 404 here is about the thing asked for, never an unknown route
      if (response.status === 404 && method !== 'HEAD') expect(JSON.parse(text).error.details.route).toBeUndefined();
      expect(response.status).toBeLessThan(500);
    }
  });

  it('answers an unknown key 401 and an unknown route 401 without a key, 404 with one', async () => {
    expect((await fetch(`${shop.url}/api/orders`, { headers: { authorization: 'Bearer not-one-of-the-keys-000' } })).status).toBe(401);
    // (a GET of any path is the dashboard's, public: an unknown API path answers 404 there, with or without a key)
    expect((await fetch(`${shop.url}/api/nothing-here`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${shop.url}/api/nothing-here`, { method: 'POST', headers: { authorization: `Bearer ${keys.reader}` } })).status).toBe(404);
    expect((await fetch(`${shop.url}/api/nothing-here`)).status).toBe(404);
  });
});
