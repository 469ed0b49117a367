// Smoke test of the whole suite at tiny sizes against the local PostgreSQL, so `npm run bench` cannot rot.
// Workers run from bench/dist: `npm test` builds first.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WindowCpu } from './cpu-usage.js';
import { runBench, type BenchResult } from './run-bench.js';

describe('npm run bench, tiny sizes', () => {
  let outDir: string | undefined;
  afterAll(async () => {
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
  });

  it('runs every benchmark side by side with its baseline and writes the JSON, Markdown and one SVG per benchmark', { timeout: 300_000 }, async () => {
    outDir = await mkdtemp(join(tmpdir(), 'twofold-bench-smoke-'));
    const printed: string[] = [];
    const { file, json }: BenchResult = await runBench({ profile: 'tiny', outDir, print: (text) => printed.push(text), progress: false });

    expect(json.errors).toEqual({});
    expect(existsSync(file)).toBe(true);
    const written = JSON.parse(await readFile(file, 'utf8')) as typeof json;
    expect(written.profile).toBe('tiny');

    // the append entry: one row per system and configuration, in the shape
    const append = written['append'] as Record<string, unknown>[];
    const systems = new Set(append.map((row) => row['system']));
    // pgbench where it is installed (it is on the machines the issue measures)
    expect([...systems].filter((system) => system !== 'pgbench').sort()).toEqual(['emmett', 'raw-insert', 'twofold', 'twofold-grouped', 'twofold-pglite']);
    expect(append.filter((row) => row['system'] === 'pgbench').every((row) => row['eventsPerAppend'] === 1)).toBe(true);
    for (const row of append) {
      expect(Object.keys(row).sort()).toEqual(['appendsPerSec', 'eventsPerAppend', 'p99Ms', 'system', 'writers']);
      expect(row['appendsPerSec']).toBeGreaterThan(0);
      expect(row['p99Ms']).toBeGreaterThan(0);
    }
    expect(append.filter((row) => row['system'] === 'twofold-pglite').every((row) => row['writers'] === 1)).toBe(true);

    for (const benchmark of ['commandPath', 'projection', 'seedShape', 'query', 'writeSide', 'readsUnderWrites', 'orderCost']) expect(written[benchmark]).toBeDefined();
    // the command path on the shop as deployed on PostgreSQL (projector in its own process) and with every role in one
    const commandPath = written['commandPath'] as { rows: { system: string; commandsPerSec: number }[] };
    expect(commandPath.rows.map((row) => row.system)).toEqual(['twofold-postgres-split', 'twofold-postgres', 'twofold-pglite', 'fastify-insert']);
    expect(commandPath.rows.every((row) => row.commandsPerSec > 0)).toBe(true);
    const projection = written['projection'] as { counters: { system: string; appended: number; liveApplied: number }[] };
    const twofold = projection.counters.find((c) => c.system === 'twofold')!;
    // exactness under 8 concurrent writers (DESIGN 5.1): every appended event counted once
    expect(twofold.liveApplied).toBe(twofold.appended);

    // the live lag of both projectors at one append rate: Twofold sees every acknowledged event
    const shape = written['seedShape'] as {
      steps: { twofold?: { commandsPerSec: number }; baseline?: { commandsPerSec: number } }[];
      liveLag: { system: string; appended: number; neverApplied: number; lag: { count: number } }[];
    };
    // the first rate runs on both ladders, Twofold's and the baseline's
    expect(shape.steps[0]?.twofold?.commandsPerSec).toBeGreaterThan(0);
    expect(shape.steps[0]?.baseline?.commandsPerSec).toBeGreaterThan(0);
    expect(shape.liveLag.map((run) => run.system)).toEqual(['twofold', 'emmett']);
    const twofoldLag = shape.liveLag[0]!;
    expect(twofoldLag.appended).toBeGreaterThan(0);
    expect(twofoldLag.neverApplied).toBe(0);
    expect(twofoldLag.lag.count).toBe(twofoldLag.appended);

    // the write side: a history cell per size and client count, each audited against the log without a violation
    const writeSide = written['writeSide'] as { histories: { history: number; clients: number; p50Ms: number }[]; violations: string[] };
    expect(writeSide.histories.map((row) => [row.history, row.clients])).toEqual([[0, 1], [0, 8], [1_000, 1], [1_000, 8]]);
    expect(writeSide.histories.every((row) => row.p50Ms > 0)).toBe(true);
    expect(writeSide.violations).toEqual([]);

    // reads under writes: on each store, wrk's reads by id at every write rate and search, the bare route, the open-loop peak
    const reads = written['readsUnderWrites'] as {
      writeRates: number[];
      sections: {
        store: string;
        bare: { constant: { requestsPerSec: number }; pkSelect?: { requestsPerSec: number } };
        rows: { query: string; writeRate: number; reads: { requestsPerSec: number; errors: number }; writer: { writesPerSec: number; errors: number }; cpu?: WindowCpu }[];
        peak: { load: { queriesPerSec: number; commandsPerSec: number } };
        pacedPeak: { readRate: number; reads: { requestsPerSec: number; requests: number }; writer: { writesPerSec: number }; cpu?: WindowCpu };
      }[];
    };
    expect(reads.sections.map((section) => section.store)).toEqual(['PostgreSQL', 'PGlite']);
    for (const section of reads.sections) {
      expect(section.bare.constant.requestsPerSec).toBeGreaterThan(0);
      expect(section.rows.filter((row) => row.query === 'order-by-id').map((row) => row.writeRate)).toEqual(reads.writeRates);
      expect(section.rows.some((row) => row.query === 'search')).toBe(true);
      for (const row of section.rows) {
        expect(row.reads.requestsPerSec).toBeGreaterThan(0);
        expect(row.reads.errors).toBe(0);
        expect(row.writer.writesPerSec).toBeGreaterThan(0);
        expect(row.writer.errors).toBe(0);
      }
      expect(section.peak.load.queriesPerSec).toBeGreaterThan(0);
      expect(section.peak.load.commandsPerSec).toBeGreaterThan(0);
      // the paced wrk sent reads at about its rate (not as fast as it could), beside the writer
      expect(section.pacedPeak.reads.requestsPerSec).toBeGreaterThan(0);
      expect(section.pacedPeak.reads.requestsPerSec).toBeLessThan(section.pacedPeak.readRate * 1.5);
      expect(section.pacedPeak.writer.writesPerSec).toBeGreaterThan(0);
      // every window says where its CPU went: the shop worked, and on PostgreSQL so did its backends, by pool
      for (const cpu of [...section.rows.map((row) => row.cpu), section.pacedPeak.cpu]) {
        expect(cpu?.shop).toBeGreaterThan(0);
        expect(cpu!.machineBusy).toBeLessThanOrEqual(cpu!.cores + 0.05);
        if (section.store === 'PostgreSQL') expect(Object.keys(cpu!.postgres)).toEqual(expect.arrayContaining(['commands', 'projector']));
      }
    }
    expect(reads.sections[0]!.bare.pkSelect?.requestsPerSec).toBeGreaterThan(0);

    // the cost of an order: one row per gathering window, each with its batches and its CPU by part, and a line through them
    const cost = written['orderCost'] as {
      rows: {
        windowMs: number;
        otherWindowMs: number;
        errors: number;
        batches?: number;
        cost: { httpThread?: number; projectorThread?: number; postgresProjector?: number; postgresCommands?: number; all?: number };
        lag?: { others: { name: string; lag: { count: number } }[] };
      }[];
      fit?: { perBatchMs: number; perOrderMs: number };
    };
    // each window for every read model, then the shop's defaults: orderSummaries at 5 ms, the rest at 50
    expect(cost.rows.map((row) => [row.windowMs, row.otherWindowMs])).toEqual([
      [10, 10],
      [50, 50],
      [5, 50],
    ]);
    // the other read models' lag is measured beside orderSummaries'
    expect(cost.rows.at(-1)!.lag?.others.map((other) => other.name)).toEqual(expect.arrayContaining(['orderSearch', 'customerOrders', 'productCatalog']));
    for (const row of cost.rows) {
      expect(row.errors).toBe(0);
      expect(row.batches).toBeGreaterThan(0);
      for (const part of ['httpThread', 'projectorThread', 'postgresProjector', 'postgresCommands', 'all'] as const) expect(row.cost[part]).toBeGreaterThan(0);
    }
    expect(cost.fit).toBeDefined();

    expect(json.goals.length).toBeGreaterThan(0);
    const files = await readdir(outDir);
    for (const benchmark of ['append', 'commandPath', 'projection', 'seedShape', 'query', 'writeSide', 'readsUnderWrites', 'orderCost']) expect(files).toContain(file.replace(/^.*\//, '').replace('.json', `-${benchmark}.svg`));
    expect(files.some((name) => name.endsWith('.md'))).toBe(true);
    expect(printed.join('\n')).toContain('## append');
  });
});
