// Every store a shop process reads and writes, opened (and migrated) in one place: for the server, the projector and the CLI.
import type { AdministeredProjectionStore, EventStore, Logger, ProjectionDefinition } from '@twofold/core';
import {
  migrate,
  postgresEventStore,
  postgresProjectionStore,
  storedSchemaVersions,
  type PostgresClient,
  type PostgresProjectionStoreOptions,
  type SqlSession,
} from '@twofold/postgres';
import { shopEventSchemas, shopEventStore } from '../domain/event-schemas.js';
import { orderSummaries, shopProjections, shopProjectionsInEventStoreDatabase } from '../projections/index.js';
import { isStandby } from './standby-read-store.js';
import { keyValueNamespace, openKeyValueStore, type KeyValueStore } from './key-value-store.js';
import { openShopVault, type ShopVault } from './personal-data-vault.js';

/** Where a deployment keeps its events and read models. */
export interface ShopStorage {
  /** `pglite:DIR`, `pglite:memory`, `memory` or `postgres://…`. */
  readonly store: string;
  /** Read models and checkpoints; default: the store. */
  readonly readStore?: string | undefined;
  /** `redis://…`: orders by id in Redis. */
  readonly kv?: string | undefined;
  /** The Redis namespace; default derived from the event store's identity, so two deployments never share keys. */
  readonly kvKeyPrefix?: string | undefined;
  /** Read models run by partitioned projectors over the bus (see partitioned-read-models.ts): the daemons leave them out. */
  readonly partitioned?: readonly string[] | undefined;
}

/**
 * The SQL read models of a deployment: the variants built in the event store's database when they share a database
 * server (unless personal data is sealed there: only the event store opens it); orders by id left to Redis when there is one.
 */
export function sqlProjectionsOf(eventsClient: PostgresClient, modelsClient: PostgresClient, options: { readonly keyValue: boolean; readonly sealed: boolean }): readonly ProjectionDefinition<SqlSession>[] {
  // in a database inside this process the SQL runs on this thread, where decoding the events in JavaScript is the
  // cheaper way (measured on PGlite: about 1.4x the commands/s)
  const inEventStoreDatabase = modelsClient === eventsClient && !eventsClient.capabilities.inProcess && !options.sealed;
  const projections = inEventStoreDatabase ? shopProjectionsInEventStoreDatabase : shopProjections;
  return options.keyValue ? projections.filter((p) => p.name !== orderSummaries.name) : projections;
}

export interface ShopStores {
  /** The event store's database, and the read store's (the same client when they are one database). */
  readonly eventsClient: PostgresClient;
  readonly modelsClient: PostgresClient;
  /** The read store is a streaming replica: read-only, so nothing is migrated or prepared there and it serves queries only. */
  readonly modelsOnStandby: boolean;
  /** The log with personal data opened (or redacted, once forgotten) on read. */
  readonly eventStore: EventStore;
  /** The log as stored: personal data still sealed (what the relay publishes). */
  readonly sealedEventStore: EventStore;
  /** The master key's vault for this store; `on(client)` gives it over another pool. */
  readonly personalData: ShopVault;
  readonly projectionStore: AdministeredProjectionStore<SqlSession>;
  /** The SQL read models this deployment keeps in the read store. */
  readonly sqlProjections: readonly ProjectionDefinition<SqlSession>[];
  /** Orders by id in Redis, in the deployment's namespace, when it has one. */
  readonly keyValue: KeyValueStore | undefined;
  /** Closes the stores (not the clients: they are the caller's). */
  close(): Promise<void>;
}

export interface OpenShopStoresOptions {
  /** The client of a database URL (the store's or the read store's); the caller closes it. */
  readonly clientFor: (url: string) => Promise<PostgresClient>;
  /**
   * Migrate both databases and refuse a store holding an event version this code cannot read, before anything reads
   * it (default true). A projector opened by a process that did so already skips it.
   */
  readonly migrate?: boolean;
  readonly projectionStore?: PostgresProjectionStoreOptions;
  /** Told when Redis may evict keys. */
  readonly logger?: Logger | undefined;
  /** How long the Redis read model's lease lasts unrenewed. */
  readonly leaseTtlMs?: number | undefined;
}

export async function openShopStores(storage: ShopStorage, options: OpenShopStoresOptions): Promise<ShopStores> {
  const eventsClient = await options.clientFor(storage.store);
  const modelsClient = await options.clientFor(storage.readStore ?? storage.store);
  // a read store that is a streaming replica serves queries only (see standby-read-store.ts)
  const modelsOnStandby = modelsClient !== eventsClient && (await isStandby(modelsClient));
  if (options.migrate ?? true) {
    await migrate(eventsClient);
    if (modelsClient !== eventsClient && !modelsOnStandby) await migrate(modelsClient);
    shopEventSchemas.verify(await storedSchemaVersions(eventsClient));
  }
  // a store with sealed personal data and no master key to open it is refused here
  const personalData = await openShopVault(storage.store, eventsClient);
  const sealedEventStore = shopEventStore(postgresEventStore(eventsClient));
  const eventStore = shopEventStore(postgresEventStore(eventsClient), personalData.vault);
  const projectionStore = postgresProjectionStore(modelsClient, options.projectionStore);
  const close = async (): Promise<void> => {
    await keyValue?.close();
    await projectionStore.close().catch(() => undefined);
    await eventStore.close().catch(() => undefined);
    await sealedEventStore.close().catch(() => undefined);
  };
  let keyValue: KeyValueStore | undefined;
  try {
    if (storage.kv !== undefined) {
      const namespace = await keyValueNamespace(eventsClient, eventStore, storage.kvKeyPrefix);
      keyValue = await openKeyValueStore(storage.kv, { ...namespace, logger: options.logger, leaseTtlMs: options.leaseTtlMs });
    }
  } catch (error) {
    await close();
    throw error;
  }
  const sqlProjections = sqlProjectionsOf(eventsClient, modelsClient, { keyValue: keyValue !== undefined, sealed: personalData.vault !== undefined });
  return { eventsClient, modelsClient, modelsOnStandby, eventStore, sealedEventStore, personalData, projectionStore, sqlProjections, keyValue, close };
}
