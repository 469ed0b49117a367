// The consistency gate answers from memory, yet never claims a position its read model's rows do not reflect:
// randomized concurrent appends, projector batches and reads, on PGlite and PostgreSQL, with the gate told of
// changes in its own process and (PostgreSQL) through notification payloads from other clients.
import { createConsistencyGate, createProjectionDaemon, type ConsistencyGate, type EventStore, type ProjectionDefinition } from '@twofold/core';
import { createTestDatabase } from '@twofold/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { openSqlClient } from './open-sql-client.js';
import type { PostgresClient } from './postgres-client.js';
import { postgresEventStore } from './postgres-event-store.js';
import { postgresProjectionStore } from './postgres-projection-store.js';
import type { SqlSession } from './sql-client.js';

/** Keeps every position it applied: a read's rows reflect an event exactly when its position is there. */
const probe: ProjectionDefinition<SqlSession> = {
  name: 'probe',
  version: 1,
  handles: ['Probed'],
  tables: ['probe_applied'],
  setup: async (session) => {
    await session.query('CREATE TABLE IF NOT EXISTS probe_applied (position bigint PRIMARY KEY)');
  },
  apply: async (events, session) => {
    await session.query('INSERT INTO probe_applied SELECT unnest($1::bigint[])', [events.map((e) => e.globalPosition)]);
  },
};

interface Scenario {
  readonly writers: number;
  readonly appendsPerWriter: number;
  readonly eventsPerAppend: number;
  readonly batchSize: number;
  readonly readers: number;
  readonly readsPerReader: number;
  readonly tokenShare: number;
  readonly pauseMs: number;
}

const scenarios = fc.record({
  writers: fc.integer({ min: 1, max: 4 }),
  appendsPerWriter: fc.integer({ min: 5, max: 25 }),
  eventsPerAppend: fc.integer({ min: 1, max: 3 }),
  batchSize: fc.integer({ min: 1, max: 20 }),
  readers: fc.integer({ min: 1, max: 4 }),
  readsPerReader: fc.integer({ min: 10, max: 40 }),
  tokenShare: fc.double({ min: 0.2, max: 0.8, noNaN: true }),
  pauseMs: fc.integer({ min: 0, max: 3 }),
});

interface Deployment {
  readonly clients: PostgresClient[];
  /** Appends go here. */
  readonly eventStore: EventStore;
  /** The daemon commits here. */
  readonly projectionStore: ReturnType<typeof postgresProjectionStore>;
  /** Where reads run and which gates to check. */
  readonly reader: PostgresClient;
  readonly gates: readonly { readonly label: string; readonly gate: ConsistencyGate }[];
  close(): Promise<void>;
}

async function deploy(backend: 'pglite' | 'postgres'): Promise<Deployment> {
  const database = backend === 'postgres' ? await createTestDatabase() : undefined;
  const url = database?.url ?? 'pglite:memory';
  const writer = await openSqlClient(url);
  await migrate(writer);
  // on PostgreSQL the projector and the reader are other clients, as other processes would be
  const projector = backend === 'postgres' ? await openSqlClient(url) : writer;
  const reader = backend === 'postgres' ? await openSqlClient(url) : writer;
  const clients = [...new Set([writer, projector, reader])];
  const eventStore = postgresEventStore(writer);
  const projectionStore = postgresProjectionStore(projector);
  await projectionStore.prepare(probe);
  const gates = [{ label: 'told in process', gate: createConsistencyGate({ eventStore, projectionStore, pollIntervalMs: 20 }) }];
  const readerEvents = postgresEventStore(reader);
  const readerCheckpoints = postgresProjectionStore(reader);
  if (backend === 'postgres') gates.push({ label: 'told by notifications', gate: createConsistencyGate({ eventStore: readerEvents, projectionStore: readerCheckpoints, pollIntervalMs: 20 }) });
  return {
    clients,
    eventStore,
    projectionStore,
    reader,
    gates,
    async close() {
      gates.forEach(({ gate }) => gate.close());
      for (const store of [eventStore, projectionStore, readerEvents, readerCheckpoints]) await store.close();
      for (const client of clients) await client.close();
      await database?.drop();
    },
  };
}

async function runScenario(backend: 'pglite' | 'postgres', scenario: Scenario): Promise<{ reads: number; tokenReads: number }> {
  const deployment = await deploy(backend);
  const { eventStore, projectionStore, reader, gates } = deployment;
  const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [probe], batchSize: scenario.batchSize, pollIntervalMs: 20 });
  const tokens: number[] = [];
  let reads = 0;
  let tokenReads = 0;
  const applied = async (position: number): Promise<boolean> =>
    (await reader.query<{ found: boolean }>('SELECT EXISTS (SELECT FROM probe_applied WHERE position = $1) AS found', [position])).rows[0]!.found;
  try {
    daemon.start();
    let writing = true;
    const writers = Promise.all(
      Array.from({ length: scenario.writers }, async (_, w) => {
        for (let i = 0; i < scenario.appendsPerWriter; i++) {
          const events = Array.from({ length: scenario.eventsPerAppend }, () => ({ type: 'Probed', data: { w, i } }));
          const { position } = await eventStore.appendToStream(`probe-${w}`, events, { expectedVersion: 'any' });
          tokens.push(position);
          if (scenario.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, scenario.pauseMs));
        }
      }),
    ).finally(() => {
      writing = false;
    });
    const readers = Array.from({ length: scenario.readers }, async (_, r) => {
      for (let i = 0; i < scenario.readsPerReader || writing; i++) {
        const { label, gate } = gates[(r + i) % gates.length]!;
        // every third read, and a random share of the others, carries a token once there is one
        const token = tokens.length > 0 && (i % 3 === 0 || Math.random() < scenario.tokenShare) ? tokens[Math.floor(Math.random() * tokens.length)]! : undefined;
        const freshness = token === undefined ? await gate.freshness(['probe']) : await gate.waitFor(['probe'], token, 10_000);
        // the query runs after the gate answered, as a route's does: its rows must reflect what the gate claimed
        if (freshness.position > 0) expect(await applied(freshness.position), `${label}: position ${freshness.position} claimed, not in the rows`).toBe(true);
        if (token !== undefined) {
          expect(freshness.caughtUp, `${label}: token ${token} not reached`).toBe(true);
          expect(freshness.position, label).toBeGreaterThanOrEqual(token);
          expect(await applied(token), `${label}: token ${token} answered, not in the rows`).toBe(true);
          tokenReads++;
        }
        reads++;
        if (i % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    });
    await Promise.all([writers, ...readers]);
    // and the last token, through every gate
    const last = Math.max(...tokens);
    for (const { label, gate } of gates) {
      const freshness = await gate.waitFor(['probe'], last, 10_000);
      expect(freshness.caughtUp && freshness.position >= last && (await applied(last)), label).toBe(true);
      tokenReads++;
      reads++;
    }
    return { reads, tokenReads };
  } finally {
    await daemon.stop();
    await deployment.close();
  }
}

describe.each(['pglite', 'postgres'] as const)('freshness from memory on %s', (backend) => {
  it('claims no position its rows do not reflect, and answers every token at or past it', { timeout: 120_000 }, async () => {
    const runs = backend === 'pglite' ? 4 : 6;
    let reads = 0;
    let tokenReads = 0;
    await fc.assert(
      fc.asyncProperty(scenarios, async (scenario) => {
        const counted = await runScenario(backend, scenario);
        reads += counted.reads;
        tokenReads += counted.tokenReads;
      }),
      { numRuns: runs },
    );
    // the property looked at both kinds of read: at least ten reads a run, a token read among them
    expect(reads).toBeGreaterThanOrEqual(10 * runs);
    expect(tokenReads).toBeGreaterThanOrEqual(runs);
  });
});
