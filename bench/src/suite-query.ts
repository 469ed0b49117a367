// Benchmark 5, query: order by id and product search over HTTP on the shop on PostgreSQL, beside a hello-world Fastify
// route (the ceiling) and a Fastify route doing one primary-key SELECT, all in the same run; order by id also with its
// read model kept in Redis.
import { randomUUID } from 'node:crypto';
import { createRedisClient } from '@twofold/redis';
import pg from 'pg';
import { createHttpClient, type HttpClient } from './http-client.js';
import { roundOutcome, runClosedLoop } from './load.js';
import { deleteRedisKeys, seedRedisOrderSummaries } from './seed-redis.js';
import { catalogWords, seedBaselineOrders, seedOrderSummaries, seedProductCatalog } from './seed-sql.js';
import { median, medianLatencies, ratePerSecond, ratio, rotate, type LatencySummary } from './stats.js';
import { times } from './table.js';
import { goal, type BenchmarkReport, type SuiteContext } from './suite.js';

export type QueryEndpoint = 'hello-world' | 'pk-select' | 'order-by-id' | 'order-by-id-redis' | 'product-search';
const endpoints: readonly QueryEndpoint[] = ['hello-world', 'pk-select', 'order-by-id', 'order-by-id-redis', 'product-search'];
/** The two deployments of orders by id: the read model in PostgreSQL (the default), and in Redis (`--kv`). */
const orderById: readonly QueryEndpoint[] = ['order-by-id', 'order-by-id-redis'];

export interface QueryRound {
  readonly round: number;
  readonly endpoint: QueryEndpoint;
  readonly clients: number;
  readonly requestsPerSec: number;
  readonly latency: LatencySummary;
  readonly errors: number;
  readonly firstError: string | undefined;
}

export interface QueryRow {
  readonly endpoint: QueryEndpoint;
  readonly clients: number;
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export async function queryBenchmark(context: SuiteContext): Promise<BenchmarkReport> {
  const { profile, progress, redisUrl } = context;
  const { orders, products, clients: clientCounts, durationMs, warmupMs } = profile.query;
  const maxClients = Math.max(...clientCounts);
  const database = await context.database('query');
  const shopWorker = await context.worker('query-shop');
  const shop = createHttpClient((await shopWorker.call<{ url: string }>('server.shop', { store: database.url })).url, maxClients);
  context.defer(async () => shop.close());
  // the same shop keeping orders by id in Redis, under a key prefix of its own that is deleted afterwards
  const keyPrefix = `twofold-bench-${randomUUID()}:`;
  const redis = createRedisClient(redisUrl);
  context.defer(async () => {
    await deleteRedisKeys(redis, keyPrefix);
    await redis.quit();
  });
  const kvShopWorker = await context.worker('query-shop-redis');
  const kvShop = createHttpClient((await kvShopWorker.call<{ url: string }>('server.shop', { store: database.url, kv: redisUrl, kvKeyPrefix: keyPrefix })).url, maxClients);
  context.defer(async () => kvShop.close());
  const baselineWorker = await context.worker('query-baseline');
  const baseline = createHttpClient((await baselineWorker.call<{ url: string }>('server.baseline', { url: database.url })).url, maxClients);
  context.defer(async () => baseline.close());

  // the read models straight from SQL: the shop created their tables at start; the log stays empty
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  try {
    await seedProductCatalog(pool, products);
    const chunk = 100_000;
    for (let first = 0; first < orders; first += chunk) {
      progress.step('query', first, orders, `seeding ${orders} orders`);
      const count = Math.min(chunk, orders - first);
      await seedOrderSummaries(pool, first, count, products);
      await seedBaselineOrders(pool, first, count);
      await seedRedisOrderSummaries(pool, redis, keyPrefix, first, count);
    }
    await pool.query('VACUUM ANALYZE');
  } finally {
    await pool.end();
  }

  const randomOrder = (): string => `o-${Math.floor(Math.random() * orders)}`;
  const requests: Record<QueryEndpoint, { client: HttpClient; path: () => string }> = {
    'hello-world': { client: baseline, path: () => '/hello' },
    'pk-select': { client: baseline, path: () => `/orders/${randomOrder()}` },
    'order-by-id': { client: shop, path: () => `/api/orders/${randomOrder()}` },
    'order-by-id-redis': { client: kvShop, path: () => `/api/orders/${randomOrder()}` },
    'product-search': { client: shop, path: () => `/api/products?q=${catalogWords[Math.floor(Math.random() * catalogWords.length)]}` },
  };

  const total = profile.rounds * clientCounts.length * endpoints.length;
  const rounds: QueryRound[] = [];
  let done = 0;
  for (let round = 0; round < profile.rounds; round++) {
    for (const [index, clients] of clientCounts.entries()) {
      for (const endpoint of rotate(endpoints, round + index)) {
        progress.step('query', done++, total, `${endpoint}, ${clients} clients`);
        const { client, path } = requests[endpoint];
        const result = await runClosedLoop({ concurrency: clients, durationMs, warmupMs, operation: async () => void (await client.expect(200, 'GET', path())) });
        rounds.push({
          round,
          endpoint,
          clients,
          requestsPerSec: ratePerSecond(result.operations, result.elapsedMs),
          ...roundOutcome(result),
        });
      }
    }
  }
  progress.step('query', total, total, 'done');

  const rows: QueryRow[] = clientCounts.flatMap((clients) =>
    endpoints.map((endpoint) => {
      const runs = rounds.filter((r) => r.endpoint === endpoint && r.clients === clients);
      return {
        endpoint,
        clients,
        requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
        ...medianLatencies(runs),
      };
    }),
  );
  const find = (endpoint: QueryEndpoint, clients: number): QueryRow | undefined => rows.find((r) => r.endpoint === endpoint && r.clients === clients);
  const errors = rounds.filter((r) => r.errors > 0).map((r) => `${r.endpoint}, ${r.clients} clients: ${r.errors} errors (${r.firstError})`);
  return {
    name: 'query',
    tables: [
      {
        title: `query: ${orders} orders, ${products} products, requests/s and latency ms`,
        columns: ['endpoint', 'clients', 'requests/s', 'p50', 'p99', '÷ hello-world', '÷ pk-select'],
        rows: rows.map((row) => [
          row.endpoint,
          row.clients,
          row.requestsPerSec,
          row.p50Ms,
          row.p99Ms,
          times(ratio(row.requestsPerSec, find('hello-world', row.clients)?.requestsPerSec)),
          times(ratio(row.requestsPerSec, find('pk-select', row.clients)?.requestsPerSec)),
        ]),
        notes: [
          `${profile.rounds} round(s) of ${durationMs / 1000} s per cell, endpoints interleaved; servers in their own processes, load from the benchmark process over keep-alive connections.`,
          'hello-world and pk-select: a bare Fastify app (one primary-key SELECT through pg for pk-select, over the same orders); order-by-id: GET /api/orders/:id; product-search: GET /api/products?q=<one of 20 words>.',
          'order-by-id reads the orderSummaries read model in PostgreSQL (the default deployment), order-by-id-redis the same orders kept in Redis (`twofold serve --kv redis://…`), each through its own shop process with its consistency gate.',
          ...errors,
        ],
      },
    ],
    chart: {
      title: 'query: requests/s',
      unit: 'requests per second, higher is better; caption: order-by-id ÷ hello-world (PostgreSQL / Redis read model)',
      groups: clientCounts.map((clients) => ({
        label: `${clients} clients`,
        bars: endpoints.map((endpoint) => ({ series: endpoint, value: find(endpoint, clients)?.requestsPerSec })),
        caption: orderById.map((endpoint) => `${ratio(find(endpoint, clients)?.requestsPerSec, find('hello-world', clients)?.requestsPerSec) ?? '–'}×`).join(' / '),
      })),
    },
    goals: orderById.flatMap((endpoint) =>
      clientCounts.map((clients) =>
        goal(
          'query',
          `${endpoint === 'order-by-id' ? 'order-by-id, read model in PostgreSQL' : 'order-by-id, read model in Redis'} ÷ hello-world, ${clients} clients`,
          0.5,
          ratio(find(endpoint, clients)?.requestsPerSec, find('hello-world', clients)?.requestsPerSec),
        ),
      ),
    ),
    data: { rows, rounds, orders, products },
  };
}
