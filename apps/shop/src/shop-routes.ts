// The shop's HTTP surface over its stores: operations (metrics, health, projections) and the API (commands, queries, streams).
import { createConsistencyGate, type AnswerCache, type CommandProcessor, type ConsistencyGate, type DeadlineDispatcher, type EventStore, type Logger, type ProjectionDaemon } from '@twofold/core';
import {
  answerCacheMetrics,
  healthRoutes,
  partitionMetrics,
  liveMetricsRoutes,
  metricsRoutes,
  projectionAdminRoutes,
  projectionRoutes,
  streamRoutes,
  type HttpApp,
} from '@twofold/http';
import { highWaterMark, postgresPartitionPositions, watchHighWaterMark, type PostgresClient } from '@twofold/postgres';
import { administrationByName } from './administration-by-name.js';
import type { ShopStores } from './backends/shop-stores.js';
import { checkpointFeed } from './daemon-feeds.js';
import { queryRoutes } from './http/query-routes.js';
import { getRedisOrderSummary, redisOrderSummaries } from './projections/index.js';
import { shopDeadlineMetrics } from './processes/deadline-firing.js';
import { withPartitions } from './partitioned-read-models.js';

export interface ShopRoutesContext {
  readonly stores: ShopStores;
  /** This process's projector, when it has the role. */
  readonly daemon: ProjectionDaemon | undefined;
  readonly commands: CommandProcessor | undefined;
  /** This process's deadline dispatcher, when it takes commands. */
  readonly deadlines?: DeadlineDispatcher | undefined;
  readonly lagThresholdsMs: Readonly<Record<string, number>>;
  readonly logger: Logger | undefined;
  /** Why the projector is not running now, or undefined. */
  readonly projectorProblem: () => string | undefined;
  /** Told of what to stop on close. */
  readonly onClose: (closer: () => Promise<void>) => void;
  /** The exact cache of orders by id, where this process keeps one. */
  readonly answers: AnswerCache | undefined;
}

const noDaemon = { statuses: () => [], onProgress: () => () => undefined };

/** Metrics, health and readiness, projection progress, and the administration of every projection wherever it lives. */
export function operationsRoutes(app: HttpApp, context: ShopRoutesContext): void {
  const { stores, commands, lagThresholdsMs, logger } = context;
  const { eventStore, projectionStore, keyValue, eventsClient, modelsClient } = stores;
  const daemon = context.daemon ?? noDaemon;
  // every projection of every store, as one list for /api/projections and /metrics
  const sqlCheckpoints = withPartitions(projectionStore, modelsClient);
  const checkpoints = { readCheckpoints: async () => [...(await sqlCheckpoints.readCheckpoints()), ...((await keyValue?.store.readCheckpoints()) ?? [])] };
  const partitions = postgresPartitionPositions(modelsClient);
  const withCommands = commands === undefined ? {} : { commands };
  const registry = metricsRoutes(app, { eventStore, projectionStore: checkpoints, daemon, lagThresholdsMs, highWaterMark: () => highWaterMark(eventsClient), ...withCommands });
  shopDeadlineMetrics(registry, eventsClient, context.deadlines);
  partitionMetrics(registry, { eventStore, partitions: () => partitions.read() });
  if (context.answers !== undefined) answerCacheMetrics(registry, context.answers);
  const distinctClients = [...new Set<PostgresClient>([eventsClient, modelsClient])];
  // on a server, other processes' transactions can hold every reader back: say who, once per episode, and in health
  const highWaterMarkWatch = eventsClient.capabilities.multipleConnections ? watchHighWaterMark(eventsClient, logger === undefined ? {} : { logger }) : undefined;
  if (highWaterMarkWatch !== undefined) context.onClose(async () => highWaterMarkWatch.stop());
  healthRoutes(app, {
    readersHeldBack: () => {
      const latest = highWaterMarkWatch?.latest();
      if (latest?.holder === undefined || latest.oldestOpenTransactionAgeMs < 1_000) return undefined;
      return { forMs: latest.oldestOpenTransactionAgeMs, ...latest.holder };
    },
    readinessCheck: async () => {
      for (const client of distinctClients) await client.query('select 1');
      await keyValue?.client.ping();
      const problem = context.projectorProblem();
      if (problem !== undefined) throw new Error(problem);
    },
  });
  projectionRoutes(app, { eventStore, projectionStore: checkpoints, daemon, lagThresholdsMs, partitions: () => partitions.read() });
  liveMetricsRoutes(app, { eventStore, projectionStore: checkpoints, daemon, lagThresholdsMs, ...withCommands });
  // every projection can be paused, rebuilt and have its dead letters handled, wherever it lives
  const keyValueProjections = keyValue === undefined ? [] : [redisOrderSummaries];
  projectionAdminRoutes(app, {
    administration: administrationByName([
      { names: new Set(stores.sqlProjections.map((p) => p.name)), administration: projectionStore },
      ...(keyValue === undefined ? [] : [{ names: new Set([redisOrderSummaries.name]), administration: keyValue.store }]),
    ]),
    versions: Object.fromEntries([...stores.sqlProjections, ...keyValueProjections].map((p) => [p.name, p.version])),
  });
}

/** The queries and the log's streams; orders by id from Redis, behind a gate of their own, when the deployment has it. */
export function queryApiRoutes(
  app: HttpApp,
  context: ShopRoutesContext & { readonly gateEventStore: EventStore; readonly gates: ConsistencyGate[] },
): void {
  const { stores, daemon, gateEventStore } = context;
  let orderSummaries: Parameters<typeof queryRoutes>[2] = {};
  if (stores.keyValue !== undefined) {
    const keyValueGate = createConsistencyGate({ eventStore: gateEventStore, projectionStore: checkpointFeed(stores.keyValue.store, daemon, new Set([redisOrderSummaries.name])) });
    context.gates.push(keyValueGate);
    const reader = stores.keyValue.store.reader(redisOrderSummaries.name);
    orderSummaries = { orderSummaries: { read: (orderId: string) => getRedisOrderSummary(reader, orderId), consistencyGate: keyValueGate } };
  }
  queryRoutes(app, stores.modelsClient, { ...orderSummaries, history: stores.eventStore, ...(context.answers === undefined ? {} : { answers: context.answers }) });
  streamRoutes(app, { eventStore: stores.eventStore });
}
