// What every group of the projection administration contract shares: the fixture, and a projection run by a real daemon.
import { randomBytes } from 'node:crypto';
import {
  createProjectionDaemon,
  cursorOf,
  inMemoryEventStore,
  type AdministeredProjectionStore,
  type AppendResult,
  type EventStore,
  type ProjectionCheckpoint,
  type ProjectionDaemon,
  type ProjectionDefinition,
} from '@twofold/core';
import type { KeyValueReadModel } from '../projection-store-contract/key-value-read-model.js';

export interface AdministeredStoreFixture<Session> {
  readonly store: AdministeredProjectionStore<Session>;
  readonly readModel: KeyValueReadModel<Session>;
  close(): Promise<void>;
}

export type AdministeredStoreFactory<Session> = () => Promise<AdministeredStoreFixture<Session>>;

export interface Added {
  readonly key: string;
  readonly value: string;
}

export const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface DaemonRunOptions {
  /** The values the projection throws on at first. */
  readonly poison?: Set<string>;
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
}

/** A projection of its own over a fresh in-memory log, with the daemon that runs it (not started yet). */
export interface DaemonRun {
  readonly projection: string;
  /** The values the projection throws on; a test changes it to fix the projection. */
  readonly poison: Set<string>;
  readonly daemon: ProjectionDaemon;
  /** Appends an `Added` event to `stream`. */
  readonly add: (stream: string, key: string, value: string) => Promise<AppendResult>;
  readonly checkpoint: () => Promise<ProjectionCheckpoint | undefined>;
  /** Whether the checkpoint stands at `position`. */
  readonly caughtUp: (position: number) => Promise<boolean>;
  /** The read model's value of `key`. */
  readonly get: (key: string) => Promise<string | undefined>;
}

/** The suite's view of its fixture, given to each group of tests. */
export interface AdministrationSuite<Session> {
  readonly store: () => AdministeredProjectionStore<Session>;
  /** Keeps the last value per key; throws on values in `poison`. */
  readonly tally: (projection: string, poison: ReadonlySet<string>, version?: number) => ProjectionDefinition<Session>;
  /** Sets up a projection and its daemon, stopped after the test. */
  readonly setup: (options?: DaemonRunOptions) => DaemonRun;
}

/** `cleanups` collects what each test must undo: the suite runs and empties it after every test. */
export function administrationSuite<Session>(
  store: () => AdministeredProjectionStore<Session>,
  model: () => KeyValueReadModel<Session>,
  cleanups: (() => Promise<void>)[],
): AdministrationSuite<Session> {
  /** Keeps the last value per key; throws on values in `poison`. */
  const tally = (projection: string, poison: ReadonlySet<string>, version = 1): ProjectionDefinition<Session> => {
    const tables = model().tables?.(projection);
    return {
      name: projection,
      version,
      handles: ['Added'],
      ...(tables === undefined ? {} : { tables }),
      setup: (session) => model().setup(session, projection),
      apply: async (events, session) => {
        for (const event of events) {
          const { key, value } = event.data as Added;
          if (poison.has(value)) throw new Error(`cannot take ${value}`);
          await model().put(session, projection, key, value, cursorOf(event));
        }
      },
    };
  };

  function setup(options: DaemonRunOptions = {}): DaemonRun {
    const projection = `p_${randomBytes(5).toString('hex')}`;
    const poison = options.poison ?? new Set<string>();
    const eventStore: EventStore = inMemoryEventStore();
    const daemon = createProjectionDaemon({
      eventStore,
      projectionStore: store(),
      projections: [tally(projection, poison)],
      pollIntervalMs: options.pollIntervalMs ?? 20,
      retryBackoffMs: 1,
      batchSize: options.batchSize ?? 50,
    });
    cleanups.push(() => daemon.stop());
    const add = (stream: string, key: string, value: string) => eventStore.appendToStream(stream, [{ type: 'Added', data: { key, value } }], { expectedVersion: 'any' });
    const checkpoint = async () => (await store().readCheckpoints([projection]))[0];
    const caughtUp = async (position: number) => (await checkpoint())?.cursor.position === position;
    const get = (key: string) => model().get(projection, key);
    return { projection, poison, daemon, add, checkpoint, caughtUp, get };
  }

  return { store, tally, setup };
}
