// Benchmark 2, command path: place-order over HTTP against startShop on PostgreSQL (as deployed: the projector in a process of its own;
// and all roles in one) and on PGlite, beside a Fastify route doing one INSERT.
import { randomBytes } from 'node:crypto';
import { createHttpClient, type HttpClient } from './http-client.js';
import { roundOutcome, runClosedLoop } from './load.js';
import { addProducts, orderBody } from './shop-requests.js';
import { median, medianLatencies, ratePerSecond, ratio, rotate, type LatencySummary } from './stats.js';
import { times } from './table.js';
import { goal, type BenchmarkReport, type SuiteContext } from './suite.js';

export type CommandSystem = 'twofold-postgres-split' | 'twofold-postgres' | 'twofold-pglite' | 'fastify-insert';
const systems: readonly CommandSystem[] = ['twofold-postgres-split', 'twofold-postgres', 'twofold-pglite', 'fastify-insert'];
const shops: readonly CommandSystem[] = ['twofold-postgres-split', 'twofold-postgres', 'twofold-pglite'];

export interface CommandRound {
  readonly round: number;
  readonly system: CommandSystem;
  readonly clients: number;
  readonly commandsPerSec: number;
  readonly latency: LatencySummary;
  readonly errors: number;
  readonly firstError: string | undefined;
}

export interface CommandRow {
  readonly system: CommandSystem;
  readonly clients: number;
  readonly commandsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export async function commandPathBenchmark(context: SuiteContext): Promise<BenchmarkReport> {
  const { profile, progress } = context;
  const { clients: clientCounts, products, durationMs, warmupMs } = profile.commandPath;
  const database = await context.database('command');
  const maxClients = Math.max(...clientCounts);
  const http = new Map<CommandSystem, HttpClient>();
  const start = async (system: CommandSystem, method: string, params: unknown): Promise<void> => {
    progress.note(`commandPath: starting ${system}`);
    const worker = await context.worker(`command-${system}`);
    const { url } = await worker.call<{ url: string }>(method, params);
    const client = createHttpClient(url, maxClients);
    context.defer(async () => client.close());
    http.set(system, client);
  };
  // the shop as deployed on PostgreSQL (as the seedShape benchmark starts it): commands and queries in one process, the
  // projector in another, on a database of its own so the two PostgreSQL shops never share a log or a product's stock
  const splitDatabase = await context.database('command_split');
  await start('twofold-postgres-split', 'server.shop', { store: splitDatabase.url, roles: ['command', 'query'] });
  progress.note('commandPath: starting twofold-postgres-split\'s projector');
  await (await context.worker('command-twofold-postgres-split-projector')).call('server.shop', { store: splitDatabase.url, roles: ['projector'] });
  await start('twofold-postgres', 'server.shop', { store: database.url });
  await start('twofold-pglite', 'server.shop', { store: 'pglite' });
  await start('fastify-insert', 'server.baseline', { url: database.url });
  for (const system of shops) {
    progress.note(`commandPath: adding ${products} products to ${system}`);
    await addProducts(http.get(system)!, products);
  }

  const prefix = randomBytes(3).toString('hex');
  let sequence = 0;
  const total = profile.rounds * clientCounts.length * systems.length;
  const rounds: CommandRound[] = [];
  let done = 0;
  for (let round = 0; round < profile.rounds; round++) {
    for (const [index, clients] of clientCounts.entries()) {
      for (const system of rotate(systems, round + index)) {
        progress.step('commandPath', done++, total, `${system}, ${clients} clients`);
        const client = http.get(system)!;
        const path = system === 'fastify-insert' ? '/orders' : '/api/orders';
        const result = await runClosedLoop({
          concurrency: clients,
          durationMs,
          warmupMs,
          operation: async () => {
            const n = sequence++;
            await client.expect(202, 'POST', path, orderBody(`${prefix}-${n}`, products, n));
          },
        });
        rounds.push({
          round,
          system,
          clients,
          commandsPerSec: ratePerSecond(result.operations, result.elapsedMs),
          ...roundOutcome(result),
        });
      }
    }
  }
  progress.step('commandPath', total, total, 'done');

  const rows: CommandRow[] = clientCounts.flatMap((clients) =>
    systems.map((system) => {
      const runs = rounds.filter((r) => r.system === system && r.clients === clients);
      return {
        system,
        clients,
        commandsPerSec: median(runs.map((r) => r.commandsPerSec)),
        ...medianLatencies(runs),
      };
    }),
  );
  const find = (system: CommandSystem, clients: number): CommandRow | undefined => rows.find((r) => r.system === system && r.clients === clients);
  const errors = rounds.filter((r) => r.errors > 0).map((r) => `${r.system}, ${r.clients} clients: ${r.errors} errors (${r.firstError})`);
  return {
    name: 'commandPath',
    tables: [
      {
        title: 'command path: POST /api/orders (place order, 1 line) over HTTP, commands/s and latency ms',
        columns: ['system', 'clients', 'commands/s', 'p50', 'p99', '÷ fastify-insert'],
        rows: rows.map((row) => [row.system, row.clients, row.commandsPerSec, row.p50Ms, row.p99Ms, times(ratio(row.commandsPerSec, find('fastify-insert', row.clients)?.commandsPerSec))]),
        notes: [
          `${profile.rounds} round(s) of ${durationMs / 1000} s per cell, systems interleaved, each server in its own process, the load from the benchmark process over keep-alive connections; ${products} products, a random one per order.`,
          'twofold-postgres-split: the shop as deployed on PostgreSQL (`--role command,query` in one process, `--role projector` in another, on a database of its own); twofold-postgres: every role in one process; pglite: the shop embedded, on disk, every role in one process (`npm start`).',
          'fastify-insert: a bare Fastify POST route doing one INSERT of the body through pg (the floor of an HTTP command that writes once).',
          ...errors,
        ],
      },
    ],
    chart: {
      title: 'command path: place order over HTTP',
      unit: 'commands per second, higher is better; caption: twofold-postgres-split ÷ fastify-insert, twofold-postgres (all roles) ÷ fastify-insert',
      groups: clientCounts.map((clients) => ({
        label: `${clients} clients`,
        bars: systems.map((system) => ({ series: system, value: find(system, clients)?.commandsPerSec })),
        caption: `${ratio(find('twofold-postgres-split', clients)?.commandsPerSec, find('fastify-insert', clients)?.commandsPerSec) ?? '–'}× / ${ratio(find('twofold-postgres', clients)?.commandsPerSec, find('fastify-insert', clients)?.commandsPerSec) ?? '–'}×`,
      })),
    },
    goals: clientCounts
      .filter((clients) => clients === 32)
      .flatMap((clients) => [
        // on the deployed topology; the all-in-one ratio stays in the table
        goal(
          'commandPath',
          `twofold-postgres-split (projector in its own process) ÷ fastify-insert, ${clients} clients`,
          0.4,
          ratio(find('twofold-postgres-split', clients)?.commandsPerSec, find('fastify-insert', clients)?.commandsPerSec),
        ),
        goal('commandPath', `twofold-pglite commands/s, ${clients} clients`, 1_000, find('twofold-pglite', clients)?.commandsPerSec),
      ]),
    data: { rows, rounds, products },
  };
}
