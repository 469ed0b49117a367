// The composition root: opens the stores a deployment names, wires the shop's handlers, read models and projector, serves HTTP.
import type { Role } from '@twofold/cli';
import {
  createAnswerCache,
  createConsistencyGate,
  type AnswerCache,
  type CommandProcessor,
  type ConsistencyGate,
  type DeadlineDispatcher,
  type EventStore,
  type Logger,
  type ProjectionDaemon,
} from '@twofold/core';
import { createHttpApp, parseApiKeys, staticSiteRoutes, type ApiKeyring, type HttpApp } from '@twofold/http';
import { createJetStreamRelay, type JetStreamRelay, type PartitionedProjector } from '@twofold/nats';
import { shopClients, type ShopClients } from './backends/shop-clients.js';
import { openShopStores, type ShopStores } from './backends/shop-stores.js';
import { polledOnly } from './backends/standby-read-store.js';
import { openShopPartitionedProjector, shopPartitionGroup, withPartitions } from './partitioned-read-models.js';
import { openCommandSide, type CommandSide } from './command-side.js';
import { checkpointFeed } from './daemon-feeds.js';
import { seedWhenEmpty } from './demo/seed-when-empty.js';
import { commandRoutes } from './http/command-routes.js';
import { customerRoutes } from './http/customer-routes.js';
import { startDeadlineFiring } from './processes/deadline-firing.js';
import { defaultPaymentWindowMs, validPaymentWindowMs } from './processes/payment-timeouts.js';
import { shopRouteAccess } from './http/route-access.js';
import { redisOrderSummaries, shopProjections } from './projections/index.js';
import { startProjectorRole, type ProjectorRole } from './projector-role.js';
import type { Shop, ShopOptions } from './shop-options.js';
import { operationsRoutes, queryApiRoutes } from './shop-routes.js';
import { stopStep } from './stop-step.js';

/** Orders by id the answer cache keeps by default: some hundreds of bytes each, a few MiB in all. */
const defaultAnswerCacheEntries = 10_000;

export { shopProjections, shopProjectionsInEventStoreDatabase } from './projections/index.js';
export type { Shop, ShopOptions } from './shop-options.js';

const allRoles: ReadonlySet<Role> = new Set(['command', 'query', 'projector']);

const lagThresholdsMs = Object.fromEntries(
  [...shopProjections, redisOrderSummaries].flatMap((p) => (p.lagThresholdMs === undefined ? [] : [[p.name, p.lagThresholdMs] as const])),
);

/** The HTTP app with the shop's access table, limits and idempotency keys; no routes yet. */
function createShopHttpApp(options: ShopOptions, gate: ConsistencyGate, apiKeys: ApiKeyring, commandSide: CommandSide | undefined): Promise<HttpApp> {
  return createHttpApp({
    consistencyGate: gate,
    lagThresholdsMs,
    logger: options.logger ?? false,
    openApi: { title: 'Twofold shop' },
    access: { table: shopRouteAccess, apiKeys },
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeoutMs: options.connectionTimeoutMs }),
    ...(options.shutdownDrainMs === undefined ? {} : { shutdownDrainMs: options.shutdownDrainMs }),
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    ...(commandSide === undefined ? {} : { idempotencyStore: commandSide.idempotencyStore }),
  });
}

/**
 * The relay: publishes the log to JetStream while it holds the lease `relay:<stream>` in the read store's database
 * (one active relay per deployment; the others stand by).
 */
function createRelay(bus: string, stores: ShopStores, options: ShopOptions, logger: Logger | undefined): JetStreamRelay {
  return createJetStreamRelay({
    servers: bus,
    // the log as stored: personal data leaves sealed, so forgetting a customer reaches the bus's copies too
    eventStore: stores.sealedEventStore,
    tryAcquireLease: (name) => stores.projectionStore.tryAcquireLease(name),
    ...(options.relay?.replicas === undefined ? {} : { replicas: options.relay.replicas }),
    ...(options.relay?.partitions === undefined ? {} : { partitions: options.relay.partitions }),
    ...(logger === undefined ? {} : { logger }),
  });
}

const urlOf = (app: HttpApp, host: string, port: number): string => {
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
};

/**
 * What a starting shop has opened so far, stopped in this order: no new requests, then commands finish, the
 * projector its batches, and the stores close.
 */
interface ShopParts {
  app?: HttpApp;
  commandSide?: CommandSide;
  projector?: ProjectorRole;
  seeding?: { stop(): Promise<void> };
  relay?: JetStreamRelay;
  partitionedProjector?: PartitionedProjector;
  deadlines?: DeadlineDispatcher;
  readonly gates: ConsistencyGate[];
  /** Closed last, in reverse order of opening, each named for the warning of a slow stop. */
  readonly closers: { readonly part: string; readonly close: () => Promise<void> }[];
}

async function closeParts(parts: ShopParts, clients: ShopClients, logger: Logger | undefined): Promise<void> {
  const step = (part: string, stop: () => Promise<void> | void): Promise<void> => stopStep(logger, part, stop);
  await step('seeding', () => parts.seeding?.stop());
  await step('http server', () => parts.app?.close());
  await step('deadlines', () => parts.deadlines?.stop());
  await step('commands', () => parts.commandSide?.commands.close());
  await step('projection daemon', () => parts.projector?.daemon.stop());
  await step('partitioned projector', () => parts.partitionedProjector?.stop());
  await step('relay', () => parts.relay?.stop());
  parts.gates.forEach((gate) => gate.close());
  for (const { part, close } of parts.closers.reverse()) await step(part, close);
  await step('connections', () => clients.close());
}

/** What every part of a starting shop is opened with: the options (a few settled), and the process's clients and logger. */
interface ShopScope {
  readonly options: ShopOptions;
  readonly roles: ReadonlySet<Role>;
  readonly paymentWindowMs: number;
  readonly clients: ShopClients;
  readonly logger: Logger | undefined;
}

/** The command role: the command side, and the deadlines that fire from every process that takes commands. */
async function openCommandRole({ options, clients, logger }: ShopScope, stores: ShopStores, parts: ShopParts): Promise<CommandSide> {
  const commandSide = await openCommandSide(clients, options, logger, stores.personalData);
  parts.commandSide = commandSide;
  parts.closers.push({ part: 'command side', close: commandSide.close });
  // lease claims keep each due deadline to one of the processes
  parts.deadlines = startDeadlineFiring({ client: commandSide.client, commands: commandSide.commands, eventStore: commandSide.eventStore, logger });
  return commandSide;
}

/** The read models' tables, which exist before the first query since every role may read them. */
async function prepareReadModels({ roles }: ShopScope, stores: ShopStores): Promise<void> {
  if (stores.modelsOnStandby && (roles.has('projector') || roles.has('relay'))) throw new Error('the read store is a standby (a read-only replica): run only the query and command roles on it');
  if (!stores.modelsOnStandby) for (const projection of stores.sqlProjections) await stores.projectionStore.prepare(projection);
}

/** The projector role: with a bus, the read models fed by one stream each run partitioned (this projector's share of the buckets); the daemon runs the rest. */
async function openProjectorRole({ options, roles, clients, logger }: ShopScope, stores: ShopStores, parts: ShopParts): Promise<void> {
  const { store, readStore, kv, kvKeyPrefix, bus } = options;
  const partitionGroup = bus === undefined ? undefined : shopPartitionGroup(stores.sqlProjections, options.relay?.partitions);
  if (partitionGroup !== undefined) {
    parts.partitionedProjector = await openShopPartitionedProjector({
      bus: bus!,
      client: await clients.clientFor('projector', readStore ?? store),
      group: partitionGroup,
      leaseTtlMs: options.leaseTtlMs,
      batchSize: options.daemon?.batchSize,
      vault: stores.personalData.vault,
      logger,
    });
  }
  const storage = { store, readStore, kv, kvKeyPrefix: stores.keyValue?.keyPrefix ?? kvKeyPrefix, partitioned: partitionGroup?.projections };
  const servesRequests = roles.has('command') || roles.has('query');
  const projector = await startProjectorRole({ options, storage, clients, inProcess: stores.eventsClient.capabilities.inProcess, servesRequests, logger });
  parts.projector = projector;
  parts.closers.push({ part: 'projector', close: projector.close });
}

/**
 * The exact answer cache of orders by id: only where this process's projector tells it of every batch (its own
 * batches, learned before the daemon starts) and reads see each commit at once (not on a standby).
 */
function answerCacheFor(options: ShopOptions, stores: ShopStores, daemon: ProjectionDaemon | undefined): AnswerCache | undefined {
  const maxEntries = options.answerCacheEntries ?? defaultAnswerCacheEntries;
  if (maxEntries === 0 || daemon === undefined || stores.modelsOnStandby || stores.keyValue !== undefined) return undefined;
  const answers = createAnswerCache({ maxEntries });
  daemon.onProgress((batch) => answers.learn(batch));
  return answers;
}

/** The HTTP app with the routes of this process's roles; read-your-writes waits at a gate over every read model's checkpoints. */
async function routedShopApp(scope: ShopScope, stores: ShopStores, eventStore: EventStore, apiKeys: ApiKeyring, parts: ShopParts): Promise<HttpApp> {
  const { options, roles, logger } = scope;
  const { commandSide, gates, closers } = parts;
  const daemon = parts.projector?.daemon;
  // partitioned read models count as far as their lowest partition, in every process (rows found in the read store)
  const gateFeed = withPartitions(checkpointFeed(stores.projectionStore, daemon, new Set(stores.sqlProjections.map((p) => p.name))), stores.modelsClient);
  const gate = createConsistencyGate({ eventStore, projectionStore: stores.modelsOnStandby ? polledOnly(gateFeed) : gateFeed });
  gates.push(gate);
  const app = await createShopHttpApp(options, gate, apiKeys, commandSide);
  parts.app = app;
  const commands = commandSide?.commands;
  const answers = answerCacheFor(options, stores, daemon);
  const context = {
    stores,
    daemon,
    commands,
    deadlines: parts.deadlines,
    lagThresholdsMs,
    logger,
    projectorProblem: () => parts.projector?.problem(),
    onClose: (close: () => Promise<void>) => closers.push({ part: 'operations routes', close }),
    answers,
  };
  operationsRoutes(app, context);
  if (commandSide !== undefined) {
    commandRoutes(app, commandSide.commands, { paymentWindowMs: scope.paymentWindowMs });
    customerRoutes(app, { commands: commandSide.commands, vault: commandSide.vault });
  }
  if (roles.has('query')) queryApiRoutes(app, { ...context, gateEventStore: eventStore, gates });
  if (options.dashboardDir !== undefined) staticSiteRoutes(app, { root: options.dashboardDir, notBuiltHint: 'The dashboard is not built: run `npm run build` in the repository.' });
  return app;
}

export async function startShop(options: ShopOptions): Promise<Shop> {
  const { store, readStore, kv, kvKeyPrefix, bus, roles = allRoles, port = 3000, host = '127.0.0.1' } = options;
  const logger: Logger | undefined = options.logger === false ? undefined : options.logger;
  const apiKeys = typeof options.apiKeys === 'object' ? options.apiKeys : parseApiKeys(options.apiKeys);
  const clients = shopClients({
    ...(options.pools === undefined ? {} : { pools: options.pools }),
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(logger === undefined ? {} : { logger }),
  });
  const parts: ShopParts = { gates: [], closers: [] };
  const paymentWindowMs = validPaymentWindowMs(options.paymentWindowMs ?? defaultPaymentWindowMs);
  if (roles.has('relay') && bus === undefined) throw new Error('the relay role needs a bus (nats://host:port)');
  const scope: ShopScope = { options, roles, paymentWindowMs, clients, logger };
  try {
    // reads (queries, the gate, health and metrics) on their own pool; the Redis namespace is settled here, once
    const stores = await openShopStores({ store, readStore, kv, kvKeyPrefix }, { clientFor: (url) => clients.clientFor('reads', url), logger, leaseTtlMs: options.leaseTtlMs });
    parts.closers.push({ part: 'stores', close: () => stores.close() });
    if (stores.personalData.source === 'none') logger?.warn({}, 'personal data is stored in clear and cannot be forgotten: set TWOFOLD_MASTER_KEY to seal it');
    const commandSide = roles.has('command') ? await openCommandRole(scope, stores, parts) : undefined;
    const eventStore: EventStore = commandSide?.eventStore ?? stores.eventStore;
    const commands: CommandProcessor | undefined = commandSide?.commands;
    await prepareReadModels(scope, stores);
    if (roles.has('projector')) await openProjectorRole(scope, stores, parts);
    const app = await routedShopApp(scope, stores, eventStore, apiKeys, parts);
    if (roles.has('relay')) parts.relay = createRelay(bus!, stores, options, logger);
    await app.listen({ port, host });
    const { projector, relay, partitionedProjector } = parts;
    projector?.daemon.start();
    relay?.start();
    partitionedProjector?.start();
    if (options.seed !== undefined && options.seed !== false && commands !== undefined) {
      parts.seeding = seedWhenEmpty(commands, eventStore, options.seed === true ? {} : options.seed, logger);
    }
    let closing: Promise<void> | undefined;
    return {
      url: urlOf(app, host, port),
      app,
      eventStore,
      projectionStore: stores.projectionStore,
      readClient: stores.modelsClient,
      daemon: projector?.daemon,
      commands,
      relay,
      partitionedProjector,
      close: () => (closing ??= closeParts(parts, clients, logger)),
    };
  } catch (error) {
    await closeParts(parts, clients, logger);
    throw error;
  }
}
