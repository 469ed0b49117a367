// A test-only app: a counter domain over core's in-memory stores, a slow projection, one command and one query route.
import {
  CheckpointMoved,
  CommandRejected,
  createConsistencyGate,
  createProjectionDaemon,
  handleCommand,
  IllegalTransition,
  inMemoryEventStore,
  inMemoryProjectionStore,
  InvalidCommand,
  NotFound,
  sleep,
  StoreUnavailable,
  StreamVersionConflict,
  type Command,
  type Decider,
  type Event,
  type InMemoryReadModel,
  type ProjectionDefinition,
} from '@twofold/core';
import { commandRoute, createHttpApp, healthRoutes, projectionRoutes, queryRoute, streamRoutes, Type, type CreateHttpAppOptions, type HealthRoutesOptions } from './index.js';

type Increment = Command<'Increment', { counterId: string; by: number }>;
type Incremented = Event<'CounterIncremented', { counterId: string; by: number }>;

const counterDecider: Decider<number, Increment, Incremented> = {
  initialState: 0,
  evolve: (total, event) => total + event.data.by,
  decide(command, total) {
    if (total + command.data.by > 1000) throw new CommandRejected('counter_full', 'a counter stops at 1000', { total });
    return [{ type: 'CounterIncremented', data: command.data }];
  },
};

export const failures: Readonly<Record<string, () => Error>> = {
  invalid: () => new InvalidCommand('quantity must be positive', { field: 'quantity' }),
  missing: () => new NotFound('order', 'o-1'),
  conflict: () => new StreamVersionConflict('order-o-1', 2, 3),
  illegal: () => new IllegalTransition('order', 'cancelled', 'pay'),
  rejected: () => new CommandRejected('insufficient_stock', 'only 2 left of sku-1', { sku: 'sku-1', available: 2 }),
  unavailable: () => new StoreUnavailable('the event store cannot be reached'),
  moved: () => new CheckpointMoved('orders'),
  boom: () => new Error('secret connection string postgres://u:p@db'),
};

export interface TestAppOptions extends CreateHttpAppOptions {
  /** How long the projection takes per batch. */
  readonly applyDelayMs?: number;
  /** The gate's cap on requests waiting for a token. */
  readonly maxWaiters?: number;
  readonly ready?: () => Promise<void>;
  readonly readersHeldBack?: HealthRoutesOptions['readersHeldBack'];
}

export async function createTestApp(options: TestAppOptions = {}) {
  const { applyDelayMs = 0, ready = async () => {}, maxWaiters, readersHeldBack, ...appOptions } = options;
  const teardown = new AbortController();
  const eventStore = inMemoryEventStore();
  const projectionStore = inMemoryProjectionStore();
  const consistencyGate = createConsistencyGate({ eventStore, projectionStore, pollIntervalMs: 5, ...(maxWaiters === undefined ? {} : { maxWaiters }) });
  const counters: ProjectionDefinition<InMemoryReadModel> = {
    name: 'counters',
    version: 1,
    handles: ['CounterIncremented'],
    async apply(events, model) {
      await sleep(applyDelayMs, teardown.signal);
      for (const event of events as readonly Incremented[]) {
        model.set(event.data.counterId, ((model.get(event.data.counterId) as number | undefined) ?? 0) + event.data.by);
      }
    },
  };
  const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [counters], pollIntervalMs: 5 });
  const app = await createHttpApp({ consistencyGate, ...appOptions });

  commandRoute(app, {
    url: '/test/counters/:id/increment',
    schema: {
      params: Type.Object({ id: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }) }),
      body: Type.Object({ by: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    },
    summary: 'Increment a counter',
    tags: ['test'],
    handler: ({ params, body, metadata }) =>
      handleCommand(eventStore, counterDecider, `counter-${params.id}`, {
        type: 'Increment',
        data: { counterId: params.id, by: body.by },
        metadata,
      }),
  });

  app.post(
    '/test/fail/:kind',
    { schema: { params: Type.Object({ kind: Type.String() }) } },
    async (request) => {
      throw (failures[request.params.kind] ?? failures['boom']!)();
    },
  );

  queryRoute(app, {
    url: '/test/counters/:id',
    schema: { params: Type.Object({ id: Type.String() }), response: Type.Object({ id: Type.String(), total: Type.Integer() }) },
    projections: ['counters'],
    summary: 'A counter',
    tags: ['test'],
    resource: 'counter',
    handler: async ({ params }) => {
      const total = projectionStore.readModel('counters').get(params.id) as number | undefined;
      return total === undefined ? undefined : { id: params.id, total };
    },
  });

  streamRoutes(app, { eventStore });
  projectionRoutes(app, { eventStore, projectionStore, daemon });
  healthRoutes(app, { readinessCheck: ready, readinessTimeoutMs: 100, ...(readersHeldBack === undefined ? {} : { readersHeldBack }) });
  await app.ready();

  /** Cuts slow batches short, stops the daemon and closes the app. */
  const close = async (): Promise<void> => {
    teardown.abort();
    await daemon.stop();
    await app.close();
  };
  return { app, eventStore, projectionStore, daemon, counters, consistencyGate, close };
}
