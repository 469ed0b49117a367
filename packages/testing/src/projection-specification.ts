// Given/then for projections: apply events to a fresh read store, assert, redeliver them, and check nothing changed.
import {
  inMemoryProjectionStore,
  type Event,
  type InMemoryReadModel,
  type LogCursor,
  type ProjectionDefinition,
  type StoredEvent,
} from '@twofold/core';
import { expect } from 'vitest';

/** A read store a specification runs a projection against; one is opened per `thenReadModel`. */
export interface ProjectionTestStore<Session, View> {
  /** Runs `fn` in one transaction: commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /** What the assertion of `thenReadModel` reads (a SQL session to run query functions on, a map, ...). */
  view(): Promise<View>;
  /** The whole read model as comparable data; equal snapshots mean equal read models. */
  snapshot(): Promise<unknown>;
  close?(): Promise<void>;
}

/** An event for a specification: stored fields left out are filled in (positions in the order given). */
export type GivenEvent = Event & Partial<Omit<StoredEvent, 'type' | 'data'>>;

export interface StoredEventsOptions {
  /** The stream of events that name none. */
  readonly streamId?: string;
  /** recordedAt of the first event; each next one is a second later. */
  readonly startAt?: Date;
  /** Global position of the first event. */
  readonly firstPosition?: number;
}

/** Completes events into stored events as a store would record them, one transaction per event. */
export function storedEvents(events: readonly GivenEvent[], options: StoredEventsOptions = {}): StoredEvent[] {
  const { streamId = 'stream-1', startAt = new Date('2025-01-01T00:00:00.000Z'), firstPosition = 1 } = options;
  const versions = new Map<string, number>();
  return events.map((event, index) => {
    const stream = event.streamId ?? streamId;
    const version = event.streamVersion ?? (versions.get(stream) ?? 0) + 1;
    versions.set(stream, version);
    const globalPosition = event.globalPosition ?? firstPosition + index;
    return {
      ...event,
      metadata: event.metadata ?? {},
      streamId: stream,
      streamVersion: version,
      globalPosition,
      transactionId: event.transactionId ?? globalPosition,
      eventId: event.eventId ?? `00000000-0000-4000-8000-${String(globalPosition).padStart(12, '0')}`,
      recordedAt: event.recordedAt ?? new Date(startAt.getTime() + index * 1000),
    };
  });
}

export interface ProjectionSpecificationOptions<Session, View> {
  readonly projection: ProjectionDefinition<Session>;
  /** Opens an empty read store. Called once or twice per `thenReadModel`, never concurrently. */
  readonly store: () => Promise<ProjectionTestStore<Session, View>>;
}

export interface ProjectionThen<View> {
  /**
   * Sets the projection up twice (setup must be idempotent), applies the events as one batch, runs
   * `assert`; applies them again as a redelivery, runs `assert` again and checks the read model did
   * not change; then applies them one batch per event to a fresh store and checks it ends the same.
   */
  thenReadModel(assert: (view: View) => void | Promise<void>): Promise<void>;
}

export interface ProjectionSpecification<View> {
  givenEvents(events: readonly GivenEvent[]): ProjectionThen<View>;
}

export function projectionSpecification<Session, View>(
  options: ProjectionSpecificationOptions<Session, View>,
): ProjectionSpecification<View> {
  const { projection, store: open } = options;
  const handled = new Set(projection.handles);

  const withStore = async <T>(fn: (store: ProjectionTestStore<Session, View>) => Promise<T>): Promise<T> => {
    const store = await open();
    try {
      await store.transaction(async (session) => projection.setup?.(session));
      await store.transaction(async (session) => projection.setup?.(session));
      return await fn(store);
    } finally {
      await store.close?.();
    }
  };

  return {
    givenEvents(given) {
      // the daemon passes a projection only the event types it handles
      const events = storedEvents(given).filter((event) => handled.has(event.type));
      const applyBatch = (store: ProjectionTestStore<Session, View>, batch: readonly StoredEvent[]): Promise<void> =>
        batch.length === 0 ? Promise.resolve() : store.transaction((session) => projection.apply(batch, session));
      return {
        async thenReadModel(assert) {
          const once = await withStore(async (store) => {
            await applyBatch(store, events);
            await assert(await store.view());
            const first = await store.snapshot();
            await applyBatch(store, events);
            await assert(await store.view());
            expect(await store.snapshot(), 'redelivering the events changed the read model').toEqual(first);
            return first;
          });
          if (events.length < 2) return;
          const oneByOne = await withStore(async (store) => {
            for (const event of events) await applyBatch(store, [event]);
            return store.snapshot();
          });
          expect(oneByOne, 'applying the events one batch each gave another read model than one batch').toEqual(once);
        },
      };
    },
  };
}

/** The subset of a SQL client (`pg` pool wrapper, PGlite, @twofold/postgres SqlClient) a specification calls. */
export interface SqlTestClient<Session> {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: Row[] }>;
  transaction<T>(fn: (session: Session) => Promise<T>): Promise<T>;
}

export interface SqlProjectionTestStoreOptions {
  /** The projection's tables, dropped when the store opens and dumped for snapshots. */
  readonly tables: readonly string[];
}

/**
 * A read store over a SQL database: drops the projection's tables so each store starts empty, and
 * snapshots every row of them. The view is the client itself, to run query functions on.
 */
export function sqlProjectionTestStore<Session>(
  client: SqlTestClient<Session>,
  options: SqlProjectionTestStoreOptions,
): () => Promise<ProjectionTestStore<Session, SqlTestClient<Session>>> {
  const { tables } = options;
  for (const table of tables) if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a plain table name: ${table}`);
  return async () => {
    for (const table of tables) await client.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    return {
      transaction: (fn) => client.transaction(fn),
      view: async () => client,
      async snapshot() {
        const dump: Record<string, unknown> = {};
        for (const table of tables) {
          const { rows } = await client.query<{ rows: unknown }>(
            `SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]'::jsonb) AS rows FROM ${table} t`,
          );
          dump[table] = rows[0]?.rows;
        }
        return dump;
      },
    };
  };
}

/**
 * A read store over the core in-memory projection store: each transaction is a batch committed
 * through `commitBatch` (all or nothing); the view is a copy of the committed key-value read model.
 */
export function inMemoryProjectionTestStore(
  projection: ProjectionDefinition<InMemoryReadModel>,
): () => Promise<ProjectionTestStore<InMemoryReadModel, InMemoryReadModel>> {
  return async () => {
    const store = inMemoryProjectionStore();
    // setup runs through transaction() like any other batch
    let cursor: LogCursor = (await store.prepare({ ...projection, setup: undefined })).cursor;
    return {
      async transaction<T>(fn: (session: InMemoryReadModel) => Promise<T>): Promise<T> {
        let result: T | undefined;
        const next = { transactionId: cursor.transactionId, position: cursor.position + 1 };
        await store.commitBatch(projection.name, cursor, { cursor: next, lastEventAt: new Date(0) }, async (model) => {
          result = await fn(model);
        });
        cursor = next;
        return result as T;
      },
      view: async () => store.readModel(projection.name),
      snapshot: async () => [...store.readModel(projection.name)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    };
  };
}
