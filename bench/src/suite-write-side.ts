// Benchmark 6, the write side at scale: place-order latency on a product with a long history (cold, then steady), and
// orders on one hot product against orders spread over many; every cell audited against the log.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createHttpClient, type HttpClient } from './http-client.js';
import { runClosedLoop } from './load.js';
import { auditOrders, productHeads, type OrderAudit, type OrderOutcomes } from './order-audit.js';
import { seedProductHistory } from './seed-sql.js';
import { addProducts, orderBody } from './shop-requests.js';
import { median, medianLatencies, ratePerSecond, ratio, rotate, summarizeLatencies, type LatencySummary } from './stats.js';
import { goal, type BenchmarkReport, type Goal, type SuiteContext } from './suite.js';
import { formatNumber, times, type Cell } from './table.js';

export type OrderSpread = 'hot' | 'spread';

/** What every measured cell reports. */
export interface WriteCell {
  readonly round: number;
  readonly clients: number;
  readonly commandsPerSec: number;
  /** Of the 202 answers to commands begun inside the window. */
  readonly latency: LatencySummary;
  /** Answers by status over the whole cell, warm-up included; `no answer` when the request failed. */
  readonly statuses: Readonly<Record<string, number>>;
  /** The version of the ordered product's stream (of the hot one) when the cell began. */
  readonly streamVersionBefore: number | undefined;
  readonly audit: OrderAudit;
  readonly firstError: string | undefined;
}

export interface HistoryCell extends WriteCell {
  readonly history: number;
  /** The first command after the shop's process started, on its first product; only in the first cell of a round. */
  readonly coldMs: number | undefined;
}

/** A history cell not run: its commands would queue on one stream for longer than the window. */
export interface SkippedHistoryCell {
  readonly round: number;
  readonly history: number;
  readonly clients: number;
  readonly reason: string;
}

export interface SpreadCell extends WriteCell {
  readonly spread: OrderSpread;
}

interface ShopProcess {
  readonly client: HttpClient;
  close(): Promise<void>;
}

/** The shop's command role alone in a new worker process: no projection daemon shares its CPU or reads the history. */
async function startCommandShop(context: SuiteContext, label: string, store: string, connections: number): Promise<ShopProcess> {
  const worker = await context.worker(label);
  const { url } = await worker.call<{ url: string }>('server.shop', { store, roles: ['command'] });
  const client = createHttpClient(url, connections);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= client.close().finally(() => worker.close()));
  context.defer(close);
  return { client, close };
}

interface OrderPlacer {
  /** Places the next order; rejects unless it is answered 202. */
  place(): Promise<void>;
  outcomes(): OrderOutcomes;
  /** Answers by status, `no answer` when the request failed. */
  readonly statuses: Readonly<Record<string, number>>;
}

/** Places orders of one unit, numbered from 0 under `orderIdPrefix`, and keeps every answer for the audit. */
function orderPlacer(client: HttpClient, orderIdPrefix: string, sku: () => string): OrderPlacer {
  const accepted = new Set<number>();
  const unanswered = new Set<number>();
  const statuses: Record<string, number> = {};
  let attempts = 0;
  const count = (status: string): void => {
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  const place = async (): Promise<void> => {
    const n = attempts++;
    const answer = await client.request('POST', '/api/orders', orderBody(`${orderIdPrefix}-${n}`, 1, n, sku())).catch((error: unknown) => {
      unanswered.add(n);
      count('no answer');
      throw error;
    });
    count(String(answer.status));
    if (answer.status !== 202) throw new Error(`POST /api/orders answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    accepted.add(n);
  };
  const outcomes = (): OrderOutcomes => ({ orderIdPrefix, attempts, accepted, unanswered });
  return { place, outcomes, statuses };
}

interface OrderCellOptions {
  readonly client: HttpClient;
  readonly sql: pg.Pool;
  /** Unique to the cell, without LIKE wildcards. */
  readonly orderIdPrefix: string;
  /** The products it orders from, one at random per order. */
  readonly skus: readonly string[];
  readonly clients: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Time the first command alone, before the loop. */
  readonly cold: boolean;
}

/** One closed-loop cell of orders, audited against the log afterwards. */
async function runOrderCell(options: OrderCellOptions): Promise<Omit<WriteCell, 'round'> & { readonly coldMs: number | undefined }> {
  const { client, sql, orderIdPrefix, skus, clients, durationMs, warmupMs, cold } = options;
  const heads = await productHeads(sql, skus);
  const placer = orderPlacer(client, orderIdPrefix, () => skus[Math.floor(Math.random() * skus.length)]!);
  let coldMs: number | undefined;
  let coldError: string | undefined;
  if (cold) {
    const begin = performance.now();
    await placer.place().then(
      () => void (coldMs = Math.round((performance.now() - begin) * 1000) / 1000),
      (error: unknown) => void (coldError = `cold command: ${String(error)}`),
    );
  }
  const result = await runClosedLoop({ concurrency: clients, durationMs, warmupMs, operation: placer.place, countByStart: true });
  return {
    clients,
    coldMs,
    commandsPerSec: ratePerSecond(result.operations, result.elapsedMs),
    latency: summarizeLatencies(result.latenciesMs),
    statuses: placer.statuses,
    streamVersionBefore: skus.length === 1 ? heads.get(skus[0]!) : undefined,
    audit: await auditOrders(sql, placer.outcomes(), heads),
    firstError: coldError ?? result.firstError,
  };
}

const refusals = (statuses: Readonly<Record<string, number>>): string =>
  Object.entries(statuses)
    .filter(([status]) => status !== '202')
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ') || '0';

const addStatuses = (cells: readonly WriteCell[]): Record<string, number> => {
  const sum: Record<string, number> = {};
  for (const cell of cells) for (const [status, n] of Object.entries(cell.statuses)) sum[status] = (sum[status] ?? 0) + n;
  return sum;
};

const auditText = (cells: readonly WriteCell[]): string => {
  const violations = cells.reduce((n, cell) => n + cell.audit.violations.length, 0);
  return violations === 0 ? 'ok' : `VIOLATION ×${violations}`;
};

const seedChunk = 100_000;

export async function writeSideBenchmark(context: SuiteContext): Promise<BenchmarkReport> {
  const { profile, progress } = context;
  const { histories, historyClients, spreadProducts, contentionClients, durationMs, warmupMs } = profile.writeSide;
  const runId = randomBytes(3).toString('hex');
  const loud = (where: string, audit: OrderAudit): void => {
    for (const violation of audit.violations) progress.note(`writeSide: VIOLATION in ${where}: ${violation}`);
  };

  // (a) history: a database per history, its products added through the API, then their history seeded in SQL
  const seeded: { readonly h: number; readonly history: number; readonly url: string; readonly sql: pg.Pool }[] = [];
  for (const [h, history] of histories.entries()) {
    const database = await context.database(`write_history_${history}`);
    const adding = await startCommandShop(context, `write-history-${history}-add`, database.url, 8);
    await addProducts(adding.client, historyClients.length);
    await adding.close();
    const sql = new pg.Pool({ connectionString: database.url, max: 1 });
    context.defer(() => sql.end());
    for (let k = 0; k < historyClients.length; k++) {
      for (let first = 0; first < history; first += seedChunk) {
        progress.note(`writeSide: seeding sku-${k} with ${formatNumber(history)} prior events (${formatNumber(first)} done)`);
        await seedProductHistory(sql, `sku-${k}`, first, Math.min(seedChunk, history - first));
      }
    }
    await sql.query('VACUUM ANALYZE twofold_events');
    seeded.push({ h, history, url: database.url, sql });
  }
  // the seeding's dirty pages written out now, not by a checkpoint in the middle of the first cells (needs superuser or pg_checkpoint)
  await seeded[0]?.sql.query('CHECKPOINT').catch(() => undefined);
  const historyCells: HistoryCell[] = [];
  const skipped: SkippedHistoryCell[] = [];
  const historyTotal = histories.length * profile.rounds * historyClients.length;
  for (let round = 0; round < profile.rounds; round++) {
    // histories interleaved; a new process each time: nothing of the product is cached when its first command arrives
    for (const { h, history, url, sql } of rotate(seeded, round)) {
      const shop = await startCommandShop(context, `write-history-${history}-${round}`, url, Math.max(...historyClients));
      try {
        let firstP50Ms: number | undefined;
        for (const [index, clients] of historyClients.entries()) {
          progress.step('writeSide', historyCells.length + skipped.length, historyTotal, `${formatNumber(history)} prior events, ${clients} clients`);
          // clients of one stream take turns: at p50 × clients per command, a cell far longer than its window says nothing more
          if (index > 0 && !((firstP50Ms ?? Number.NaN) * clients <= durationMs)) {
            const reason = `${clients} clients not run: ${historyClients[0]} client(s) p50 ${formatNumber(firstP50Ms)} ms × ${clients} exceeds the ${durationMs / 1000} s window`;
            skipped.push({ round, history, clients, reason });
            continue;
          }
          const cell = await runOrderCell({ client: shop.client, sql, orderIdPrefix: `ws${runId}h${h}r${round}c${index}`, skus: [`sku-${index}`], clients, durationMs, warmupMs, cold: index === 0 });
          loud(`history ${history}, ${clients} clients`, cell.audit);
          if (index === 0) firstP50Ms = cell.latency.p50Ms;
          historyCells.push({ round, history, ...cell });
        }
      } finally {
        await shop.close();
      }
    }
  }

  // (b) one hot product against orders spread over many, on one warm shop
  const hotSku = `sku-${spreadProducts}`;
  const spreadSkus = Array.from({ length: spreadProducts }, (_, k) => `sku-${k}`);
  const spreadCells: SpreadCell[] = [];
  const database = await context.database('write_contention');
  const shop = await startCommandShop(context, 'write-contention', database.url, Math.max(...contentionClients));
  await addProducts(shop.client, spreadProducts + 1);
  const sql = new pg.Pool({ connectionString: database.url, max: 1 });
  context.defer(() => sql.end());
  const spreadTotal = profile.rounds * contentionClients.length * 2;
  for (let round = 0; round < profile.rounds; round++) {
    for (const [index, clients] of contentionClients.entries()) {
      for (const spread of rotate(['hot', 'spread'] as const, round + index)) {
        progress.step('writeSide', spreadCells.length, spreadTotal, `${spread}, ${clients} clients`);
        const skus = spread === 'hot' ? [hotSku] : spreadSkus;
        const cell = await runOrderCell({ client: shop.client, sql, orderIdPrefix: `ws${runId}${spread}r${round}c${index}`, skus, clients, durationMs, warmupMs, cold: false });
        loud(`${spread}, ${clients} clients`, cell.audit);
        spreadCells.push({ round, spread, ...cell });
      }
    }
  }
  progress.step('writeSide', spreadTotal, spreadTotal, 'done');

  const historyRows = histories.flatMap((history) =>
    historyClients.map((clients) => {
      const cells = historyCells.filter((c) => c.history === history && c.clients === clients);
      return {
        history,
        clients,
        cells: cells.length,
        /** By round: the first before any snapshot of the product existed. */
        coldMs: cells.flatMap((c) => (c.coldMs === undefined ? [] : [c.coldMs])),
        commandsPerSec: median(cells.map((c) => c.commandsPerSec)),
        ...medianLatencies(cells),
        statuses: addStatuses(cells),
        audit: auditText(cells),
      };
    }),
  );
  const spreadRows = contentionClients.flatMap((clients) =>
    (['hot', 'spread'] as const).map((spread) => {
      const cells = spreadCells.filter((c) => c.spread === spread && c.clients === clients);
      return {
        spread,
        clients,
        ordersPerSec: median(cells.map((c) => c.commandsPerSec)),
        ...medianLatencies(cells),
        statuses: addStatuses(cells),
        streamVersionBefore: cells[0]?.streamVersionBefore,
        audit: auditText(cells),
      };
    }),
  );
  const historyRow = (history: number | undefined, clients: number) => historyRows.find((r) => r.history === history && r.clients === clients);
  const spreadRow = (spread: OrderSpread, clients: number) => spreadRows.find((r) => r.spread === spread && r.clients === clients);
  const fresh = histories[0];
  const largest = histories.at(-1);
  const versusFresh = (history: number, clients: number): number | undefined => ratio(historyRow(history, clients)?.p50Ms, historyRow(fresh, clients)?.p50Ms);
  const violations = [...historyCells, ...spreadCells].flatMap((c) => c.audit.violations);
  const historyProblems = historyCells.flatMap((c) => [
    ...c.audit.violations.map((v) => `VIOLATION, ${c.history} prior events, ${c.clients} clients: ${v}`),
    ...(c.firstError === undefined ? [] : [`${c.history} prior events, ${c.clients} clients, round ${c.round}: ${c.firstError}`]),
  ]);
  const spreadProblems = spreadCells.flatMap((c) => [
    ...c.audit.violations.map((v) => `VIOLATION, ${c.spread}, ${c.clients} clients: ${v}`),
    ...(c.firstError === undefined ? [] : [`${c.spread}, ${c.clients} clients, round ${c.round}: ${c.firstError}`]),
  ]);

  const goals: Goal[] = [
    ...historyClients.map((clients) =>
      goal('writeSide', `place-order p50, ${formatNumber(largest)} ÷ ${formatNumber(fresh)} prior events on the product, ${clients} client(s)`, 1.3, versusFresh(largest!, clients), '≤'),
    ),
    ...contentionClients
      .filter((clients) => clients === 32)
      .map((clients) => goal('writeSide', `orders/s, one hot product ÷ spread over ${spreadProducts}, ${clients} clients`, 0.5, ratio(spreadRow('hot', clients)?.ordersPerSec, spreadRow('spread', clients)?.ordersPerSec))),
    ...contentionClients.map((clients) => goal('writeSide', `hot product p99 ms, ${clients} clients`, 100, spreadRow('hot', clients)?.p99Ms, '<')),
    goal('writeSide', 'orders lost, written though refused, or stock oversold (every cell, audited in the log)', 0, violations.length, '≤'),
  ];
  const windowNote = `${profile.rounds} round(s) of ${durationMs / 1000} s per cell after ${warmupMs / 1000} s warm-up, closed loop, median of rounds; the 202 answers to commands begun in the window, however late they ended (the cell waits for them); non-202: answers by status over the whole cell, warm-up included.`;
  return {
    name: 'writeSide',
    tables: [
      {
        title: 'write side, history: POST /api/orders (1 unit of one product) on a product with prior events, commands/s and latency ms',
        columns: ['prior events', 'clients', 'cold ms by round', 'commands/s', 'p50', 'p99', 'p50 ÷ fresh', 'non-202', 'audit'],
        rows: historyRows.map((r): Cell[] =>
          r.cells === 0
            ? [r.history, r.clients, undefined, 'not run', undefined, undefined, undefined, undefined, undefined]
            : [r.history, r.clients, r.coldMs.map((ms) => formatNumber(ms)).join(' / ') || undefined, r.commandsPerSec, r.p50Ms, r.p99Ms, times(versusFresh(r.history, r.clients)), refusals(r.statuses), r.audit],
        ),
        notes: [
          windowNote,
          "Each history in a fresh database: the products added through the API, then StockReserved / StockReleased pairs (one unit, metadata '{}') straight into twofold_events at the next stream versions; each client count orders from a product of its own with that history, which grows by the orders placed (rounds go on with the same products).",
          "The shop's command role alone (no projection daemon) in its own process, started anew after the seeding and each round; cold: the first command of that process, on the 1-client product (in the first round before any snapshot of it exists; later rounds may start from the one an earlier round left).",
          ...[...new Set(skipped.map((c) => `${formatNumber(c.history)} prior events, ${c.reason}.`))],
          ...historyProblems,
        ],
      },
      {
        title: `write side, contention: orders on one hot product vs spread over ${spreadProducts}, orders/s and latency ms`,
        columns: ['orders on', 'clients', 'orders/s', 'p50', 'p99', 'non-202', 'hot stream version at start', 'audit', 'hot ÷ spread'],
        rows: spreadRows.map((r): Cell[] => [
          r.spread === 'hot' ? '1 hot product' : `${spreadProducts} products`,
          r.clients,
          r.ordersPerSec,
          r.p50Ms,
          r.p99Ms,
          refusals(r.statuses),
          r.streamVersionBefore,
          r.audit,
          r.spread === 'hot' ? times(ratio(r.ordersPerSec, spreadRow('spread', r.clients)?.ordersPerSec)) : undefined,
        ]),
        notes: [
          windowNote,
          "One shop (command role alone) on a fresh database, products with 10,000,000 units each; cells interleaved, each with its own order ids. Audit after each cell, in the log: every 202 has its OrderPlaced and exactly one StockReserved, no refused order was written, no product's reservations exceed its stock.",
          ...spreadProblems,
        ],
      },
    ],
    chart: {
      title: 'write side: place-order p50 by prior events on the product',
      unit: 'milliseconds, lower is better; caption: p50 ÷ fresh product, 1 client',
      groups: histories.map((history) => ({
        label: `${formatNumber(history)} events`,
        bars: historyClients.map((clients) => ({ series: `${clients} client(s)`, value: historyRow(history, clients)?.p50Ms })),
        caption: `${versusFresh(history, historyClients[0]!) ?? '–'}×`,
      })),
    },
    goals,
    data: { histories: historyRows, contention: spreadRows, historyCells, skipped, spreadCells, violations },
  };
}
