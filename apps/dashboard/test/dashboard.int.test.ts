// End to end: the built dashboard in Debian's Chromium (playwright-core) against the shop on PGlite, through its public API,
// once with every read model in PGlite and once with order summaries in Redis (--kv).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRedisClient } from '@twofold/redis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop, type Shop, type ShopOptions } from '@twofold/shop';

const dashboardDir = fileURLToPath(new URL('../dist', import.meta.url));
const artifacts = fileURLToPath(new URL('../../../test-artifacts', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const redisUrl = process.env['TWOFOLD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

interface Backend {
  readonly name: string;
  /** Prefixes the screenshots' names. */
  readonly slug: string;
  readonly options: Partial<ShopOptions>;
  /** The keys holding an order's summary outside PostgreSQL, when it is kept there. */
  readonly keysOfOrder?: (orderId: string) => Promise<string[]>;
  readonly cleanup?: () => Promise<void>;
}

async function redisKeys(pattern: string): Promise<string[]> {
  const redis = createRedisClient(redisUrl);
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found;
  } finally {
    await redis.quit();
  }
}

/** Order summaries in the shared Redis under a namespace of this run's own, deleted afterwards. */
function redisBackend(): Backend {
  const kvKeyPrefix = `twofold-e2e-${randomBytes(6).toString('hex')}:`;
  return {
    name: 'order summaries in Redis',
    slug: 'redis-',
    options: { kv: redisUrl, kvKeyPrefix },
    keysOfOrder: (orderId) => redisKeys(`${kvKeyPrefix}*order:${orderId}`),
    async cleanup() {
      const keys = await redisKeys(`${kvKeyPrefix}*`);
      const redis = createRedisClient(redisUrl);
      try {
        if (keys.length > 0) await redis.unlink(...keys);
      } finally {
        await redis.quit();
      }
    },
  };
}

const backends: readonly Backend[] = [{ name: 'every read model in PGlite', slug: '', options: {} }, redisBackend()];

describe.each(backends)('the dashboard in Chromium, $name', (backend) => {
  let shop: Shop;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
    const response = await fetch(`${shop.url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
  }

  const product = (sku: string, name: string, stock: number) => ({ sku, name, description: `${name} for the browser test`, category: 'kitchen', priceCents: 1_250, currency: 'EUR', merchantId: 'm-e2e', stock });
  const shot = (name: string) => page.screenshot({ path: `${artifacts}/dashboard-${backend.slug}${name}.png`, fullPage: true });

  beforeAll(async () => {
    // npm test builds the page first; a run of this file alone builds it when missing
    if (!existsSync(`${dashboardDir}/index.html`)) execFileSync('npm', ['run', 'build', '--workspace', '@twofold/dashboard', '--silent'], { stdio: 'inherit' });
    mkdirSync(artifacts, { recursive: true });
    shop = await startShop({ store: 'pglite:memory', port: 0, daemon: { pollIntervalMs: 50 }, dashboardDir, ...backend.options });
    for (const p of [product('e2e-kettle', 'Copper kettle', 5), product('e2e-mug', 'Stoneware mug', 100)]) expect((await api('POST', '/api/products', p)).status).toBe(202);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await backend.cleanup?.();
  });

  it('loads with no console errors and shows every projection, live', async () => {
    await page.goto(`${shop.url}/`);
    await page.locator('tr[data-projection="orderSearch"]').waitFor();
    await page.getByText('live', { exact: true }).waitFor();
    // a second sample draws the charts
    await page.waitForTimeout(1_500);
    await shot('projections');
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  let orderId = '';
  it('places an order from the form: pending at once, then confirmed', async () => {
    // hold the command back a little, so the optimistic row can be seen before the server answers
    await page.route('**/api/orders', async (route) => {
      if (route.request().method() === 'POST') await new Promise((resolve) => setTimeout(resolve, 600));
      await route.continue();
    });
    await page.goto(`${shop.url}/#/place`);
    await page.getByLabel('Name').fill('Zelda Testerson');
    await page.getByLabel('Quantity of Stoneware mug (e2e-mug)').fill('2');
    await page.getByRole('button', { name: 'Place order' }).click();
    const row = page.locator('tbody tr[data-order]').first();
    await expect.poll(() => row.locator('[data-cell="state"]').textContent()).toBe('pending');
    await expect.poll(() => row.locator('[data-cell="state"]').textContent(), { timeout: 10_000 }).toBe('confirmed');
    orderId = (await row.getAttribute('data-order')) ?? '';
    expect(orderId).toMatch(/^web-/);
    await page.unroute('**/api/orders');
  });

  it('shows the refusal of an oversell, and the stock is unchanged', async () => {
    await page.getByLabel('Quantity of Copper kettle (e2e-kettle)').fill('6');
    await page.getByRole('button', { name: 'Place order' }).click();
    const row = page.locator('tbody tr[data-order]').first();
    await expect.poll(() => row.locator('[data-cell="state"]').textContent()).toBe('refused');
    expect(await row.locator('[data-cell="message"]').textContent()).toMatch(/only 5 of e2e-kettle available/);
    await expect.poll(() => page.locator('tr[data-sku="e2e-kettle"] [data-cell="available"]').textContent()).toBe('5');
    const kettle = (await api('GET', '/api/products?q=kettle')).body.items.find((p: { sku: string }) => p.sku === 'e2e-kettle');
    expect(kettle.available).toBe(5);
    await shot('place-order');
  });

  it('finds the new order by text, with the time the results are as of', async () => {
    await page.goto(`${shop.url}/#/orders`);
    await page.getByLabel('Search').fill('Zelda');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator(`tr[data-order="${orderId}"]`).waitFor();
    expect(await page.locator('tbody tr[data-order]').count()).toBe(1);
    expect(await page.getByTestId('as-of').textContent()).toMatch(/^as of \d\d:\d\d:\d\d$/);
    await shot('orders');
  });

  it('lists placed and paid in the timeline after paying from the order view', async () => {
    await page.locator(`tr[data-order="${orderId}"] a`).click();
    await page.getByRole('heading', { name: `Order ${orderId}` }).waitFor();
    await page.getByRole('button', { name: 'Pay' }).click();
    await expect.poll(() => page.getByTestId('action-state').textContent(), { timeout: 10_000 }).toBe('pay: confirmed');
    expect(await page.getByTestId('order-status').textContent()).toBe('paid');
    const timeline = page.getByTestId('timeline');
    await expect.poll(() => timeline.locator('li strong').allTextContents()).toEqual(['OrderPlaced', 'OrderPaid']);
    await shot('order-detail');
  });

  it('says search results may be delayed while the search projection is paused, and stops saying it when resumed', async () => {
    expect((await api('POST', '/api/projections/orderSearch/pause')).status).toBe(202);
    // the log moves on without it
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await api('POST', '/api/orders', { customerId: 'cust-late', currency: 'EUR', lines: [{ sku: 'e2e-mug', quantity: 1 }] })).status).toBe(202);
    await page.goto(`${shop.url}/#/orders`);
    const banner = page.getByRole('alert').filter({ hasText: 'Search results may be delayed' });
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForTimeout(300);
      return banner.count();
    }).toBe(1);
    await shot('orders-delayed');
    expect((await api('POST', '/api/projections/orderSearch/resume')).status).toBe(202);
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForTimeout(300);
      return banner.count();
    }, { timeout: 10_000 }).toBe(0);
  });

  it('says the order may be delayed while order summaries are paused, and stops saying it when resumed', async () => {
    expect((await api('POST', '/api/projections/orderSummaries/pause')).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await api('POST', '/api/orders', { customerId: 'cust-later', currency: 'EUR', lines: [{ sku: 'e2e-mug', quantity: 1 }] })).status).toBe(202);
    const banner = page.getByRole('alert').filter({ hasText: 'This order may be delayed' });
    const shown = async () => {
      await page.goto(`${shop.url}/#/orders/${encodeURIComponent(orderId)}`);
      await page.reload();
      await page.getByTestId('order-status').waitFor();
      return banner.count();
    };
    await expect.poll(shown).toBe(1);
    await shot('order-delayed');
    expect((await api('POST', '/api/projections/orderSummaries/resume')).status).toBe(202);
    await expect.poll(shown, { timeout: 10_000 }).toBe(0);
  });

  it('rebuilds a projection from the page: it finishes and the table shows the new generation', async () => {
    await page.goto(`${shop.url}/#/projections`);
    const row = page.locator('tr[data-projection="orderSummaries"]');
    const before = Number(await row.locator('[data-cell="generation"]').textContent());
    await page.getByRole('button', { name: 'Rebuild orderSummaries' }).click();
    await expect.poll(async () => Number(await row.locator('[data-cell="generation"]').textContent()), { timeout: 30_000 }).toBe(before + 1);
    await expect.poll(() => row.locator('[data-cell="rebuild-progress"]').textContent()).toMatch(/swapped in/);
    expect(await row.locator('.status').textContent()).not.toBe('rebuilding');
    // in the Redis run, the new generation was built in Redis, under a key prefix of its own
    if (backend.keysOfOrder !== undefined) expect((await backend.keysOfOrder(orderId)).some((key) => key.includes(`orderSummaries@${before + 1}:`))).toBe(true);
    await shot('projections-rebuilt');
  });

  it('shows merchant balances, and a phone-width page', async () => {
    await page.goto(`${shop.url}/#/merchants`);
    await page.getByRole('rowheader', { name: 'm-e2e' }).first().waitFor();
    await shot('merchants');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${shop.url}/#/orders`);
    await page.locator('tbody tr[data-order]').first().waitFor();
    await shot('orders-phone');
    expect(pageErrors).toEqual([]);
    // the only console errors are the browser's notes on the refusal answered on purpose (a 4xx)
    expect(consoleErrors.filter((text) => !/status of 4\d\d/.test(text))).toEqual([]);
  });
});
