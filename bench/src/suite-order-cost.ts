// Benchmark 8, the cost of an order: CPU per order placed, by part (the shop's HTTP thread, its projector thread, its
// other threads, PostgreSQL's backends by pool), with the projector's gathering window at several widths, on
// PostgreSQL with every role in one process. An open-loop writer in its own process places orders at the peak's rate;
// nothing reads. From the windows, a line: what a projector batch costs whatever it holds, and what an order adds.
// CPU per order is the controlled measure of a change on a noisy machine (the rates of the other benchmarks drift).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { epochMs } from './clock.js';
import { createCpuMeter, type WindowCpu } from './cpu-usage.js';
import { fitBatchCost, msPerOrder, type BatchCostFit } from './order-cost.js';
import { writeOrders } from './shape-load.js';
import { createShopLag, slowestOther, type WindowLag } from './shop-lag.js';
import { ratePerSecond, summarizeLatencies, type LatencySummary } from './stats.js';
import { seedShop } from './suite-reads-under-writes.js';
import type { BenchmarkReport, SuiteContext } from './suite.js';
import { formatNumber, type Cell } from './table.js';

/** CPU per order placed, ms, by part; undefined where the part could not be read. */
export interface CostPerOrder {
  readonly httpThread: number | undefined;
  readonly projectorThread: number | undefined;
  readonly otherThreads: number | undefined;
  readonly postgresProjector: number | undefined;
  readonly postgresCommands: number | undefined;
  /** The shop's process and all its backends. */
  readonly all: number | undefined;
}

export interface OrderCostRow {
  readonly windowMs: number;
  /** The other read models' window: the same as windowMs, or the shop's default (50 ms) beside its default 5 ms. */
  readonly otherWindowMs: number;
  readonly ordersPerSec: number;
  readonly write: LatencySummary;
  readonly errors: number;
  readonly batches: number | undefined;
  readonly ordersPerBatch: number | undefined;
  readonly cost: CostPerOrder;
  readonly cpu: WindowCpu | undefined;
  readonly lag: WindowLag | undefined;
  /** The writer issued ≥ 97 % of its rate: the window measured the rate asked. */
  readonly writerKeptRate: boolean;
}

function costOf(cpu: WindowCpu | undefined, durationMs: number, orders: number): CostPerOrder {
  const per = (cores: number | undefined): number | undefined => (cores === undefined ? undefined : msPerOrder(cores, durationMs, orders));
  const postgresAll = cpu === undefined ? undefined : Object.values(cpu.postgres).reduce((sum, value) => sum + value, 0);
  return {
    httpThread: per(cpu?.shopThreads?.main),
    projectorThread: per(cpu?.shopThreads?.busiestOther),
    otherThreads: per(cpu?.shopThreads?.rest),
    postgresProjector: per(cpu?.postgres['projector'] ?? (cpu === undefined ? undefined : 0)),
    postgresCommands: per(cpu?.postgres['commands'] ?? (cpu === undefined ? undefined : 0)),
    all: cpu === undefined || postgresAll === undefined ? undefined : per(cpu.shop + postgresAll),
  };
}

/** The shop's defaults on PostgreSQL: orderSummaries gathers over 5 ms, the other read models over 50. */
const defaultWindows = { windowMs: 5, otherWindowMs: 50 } as const;

const windowText = (row: Pick<OrderCostRow, 'windowMs' | 'otherWindowMs'>): string =>
  row.otherWindowMs === row.windowMs ? `${row.windowMs} ms` : `${row.windowMs} ms, others ${row.otherWindowMs} ms`;

/** One gathering window: a fresh database and shop, the seed orders, then the writer's window with the CPU read around it. */
async function measureWindow(context: SuiteContext, windowMs: number, otherWindowMs: number): Promise<OrderCostRow> {
  const { products, seedOrders, writeRate, durationMs, warmupMs } = context.profile.orderCost;
  const label = `${windowMs}-${otherWindowMs}`;
  const database = await context.database(`order-cost-${label}`);
  const shop = await context.worker(`order-cost-shop-${label}`);
  const writer = await context.worker(`order-cost-writer-${label}`);
  try {
    const shopUrl = (await shop.call<{ url: string }>('server.shop', { store: database.url, minBatchIntervalMs: windowMs, otherBatchIntervalMs: otherWindowMs })).url;
    await seedShop(shopUrl, seedOrders, products);
    const lag = createShopLag(shop);
    await lag.settle(15_000);
    const mark = await lag.mark();
    const meter = createCpuMeter(shop.pid, database.url);
    try {
      const startAtEpochMs = epochMs() + 500;
      const windowStart = startAtEpochMs + warmupMs;
      const target = { baseUrl: shopUrl, products, orderPrefix: `cost-${label}-${randomBytes(3).toString('hex')}` };
      const writing = writeOrders(writer, target, writeRate, { warmupMs, rampMs: warmupMs / 2, durationMs }, startAtEpochMs);
      await sleep(Math.max(0, windowStart - epochMs()));
      const end = await meter.start();
      await sleep(durationMs);
      const cpu = await end();
      const written = await writing;
      const windowLag = await lag.windowLag(mark, windowStart);
      const orders = written.latenciesMs.length;
      const batches = windowLag?.windowBatches;
      return {
        windowMs,
        otherWindowMs,
        ordersPerSec: ratePerSecond(orders, durationMs),
        write: summarizeLatencies(written.latenciesMs),
        errors: written.errors,
        batches,
        ordersPerBatch: batches === undefined || batches === 0 ? undefined : orders / batches,
        cost: costOf(cpu, durationMs, orders),
        cpu,
        lag: windowLag,
        writerKeptRate: written.generator.issuedPerSec >= written.generator.targetPerSec * 0.97,
      };
    } finally {
      await meter.close();
    }
  } finally {
    // the next window has the machine to itself
    await Promise.all([shop.close(), writer.close()]);
    await database.drop();
  }
}

/** The line through the windows' points: projector thread and its backends, per order, against batches per order (rows of one window for all). */
export function batchCostOf(rows: readonly OrderCostRow[]): BatchCostFit | undefined {
  return fitBatchCost(
    rows.flatMap((row) => {
      const { projectorThread, postgresProjector } = row.cost;
      if (row.otherWindowMs !== row.windowMs || row.ordersPerBatch === undefined || projectorThread === undefined || postgresProjector === undefined) return [];
      return [{ batchesPerOrder: 1 / row.ordersPerBatch, projectorMsPerOrder: projectorThread + postgresProjector }];
    }),
  );
}

const ms = (value: number | undefined): Cell => formatNumber(value, 2);

export async function orderCostBenchmark(context: SuiteContext): Promise<BenchmarkReport> {
  const { windowsMs, writeRate } = context.profile.orderCost;
  const rows: OrderCostRow[] = [];
  // each window for every read model, then the shop's defaults
  const windows = [...windowsMs.map((windowMs) => ({ windowMs, otherWindowMs: windowMs })), defaultWindows];
  for (const [index, window] of windows.entries()) {
    context.progress.step('orderCost', index, windows.length, `PostgreSQL: ${writeRate} orders/s, gathering window ${windowText(window)}`);
    rows.push(await measureWindow(context, window.windowMs, window.otherWindowMs));
  }
  const fit = batchCostOf(rows);
  const fitNote =
    fit === undefined
      ? 'no line: fewer than two batch rates were measured'
      : `projector thread and backends, per order = ${fit.perBatchMs.toFixed(2)} ms × batches per order + ${fit.perOrderMs.toFixed(2)} ms: a batch costs about ${fit.perBatchMs.toFixed(1)} ms of CPU whatever it holds, an order adds ${fit.perOrderMs.toFixed(2)} ms`;
  return {
    name: 'orderCost',
    tables: [
      {
        title: `orderCost: CPU per order placed (ms), PostgreSQL, every role in one process, ${writeRate} orders/s open loop, no reads`,
        columns: ['window', 'orders/s', 'orders per batch', 'HTTP thread', 'projector thread', 'other threads', 'PG projector', 'PG commands', 'all', 'cores busy', 'write p99', 'lag p50', 'lag p99', 'others’ lag p99'],
        rows: rows.map((row) => [
          windowText(row),
          formatNumber(row.ordersPerSec),
          formatNumber(row.ordersPerBatch),
          ms(row.cost.httpThread),
          ms(row.cost.projectorThread),
          ms(row.cost.otherThreads),
          ms(row.cost.postgresProjector),
          ms(row.cost.postgresCommands),
          ms(row.cost.all),
          row.cpu === undefined ? undefined : `${row.cpu.machineBusy.toFixed(2)} of ${row.cpu.cores}`,
          `${formatNumber(row.write.p99Ms)} ms`,
          row.lag === undefined ? undefined : `${formatNumber(row.lag.lag.p50Ms)} ms`,
          row.lag === undefined ? undefined : `${formatNumber(row.lag.lag.p99Ms)} ms`,
          ((slowest) => (slowest === undefined ? undefined : `${formatNumber(slowest.lag.p99Ms)} ms (${slowest.name})`))(slowestOther(row.lag)),
        ]),
        notes: [
          'window: the projector gathering window (TWOFOLD_PROJECTION_MIN_BATCH_INTERVAL_MS): at most one batch starts in each. A single width is every read model\'s; "others" is the window of the read models other than orderSummaries (TWOFOLD_PROJECTION_OTHER_BATCH_INTERVAL_MS), each group in a daemon and transaction of its own. The shop\'s defaults on PostgreSQL are the last row: 5 ms, others 50 ms. The process managers gather over max(50 ms, the window) in every row.',
          "CPU from /proc over the measured window, spread over the orders placed in it: the shop's main thread (HTTP and commands), its busiest other thread (the projector's), the rest of its threads, and the backends of its database by pool. The writer, the runner and the system are left out (cores busy counts them).",
          'lag: from an event\'s commit to the commit of the orderSummaries batch past it; others\' lag p99: the same for each other read model, the highest and whose.',
          fitNote,
          ...rows.filter((row) => !row.writerKeptRate || row.errors > 0).map((row) => `${windowText(row)}: the writer issued under 97 % of its rate or saw ${row.errors} errors`),
        ],
      },
    ],
    chart: {
      title: 'orderCost: CPU per order placed, by gathering window',
      unit: 'ms of CPU per order',
      groups: rows.map((row) => ({
        label: `${windowText(row)} window`,
        bars: [
          { series: 'HTTP thread', value: row.cost.httpThread },
          { series: 'projector thread', value: row.cost.projectorThread },
          { series: 'PostgreSQL projector', value: row.cost.postgresProjector },
          { series: 'PostgreSQL commands', value: row.cost.postgresCommands },
        ],
        caption: `${formatNumber(row.ordersPerBatch)} orders a batch, all ${formatNumber(row.cost.all, 2)} ms`,
      })),
    },
    goals: [],
    data: { rows, fit },
  };
}
