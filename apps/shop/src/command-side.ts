// The write side of a shop process: one command processor on the commands' pool, and the idempotency keys it remembers.
import { createCommandProcessor, type CommandProcessor, type EventStore, type IdempotencyStore, type Logger, type PersonalDataVault } from '@twofold/core';
import { defaultIdempotencyKeyTtlMs, postgresEventStore, postgresIdempotencyStore, postgresSnapshotStore, type PostgresClient } from '@twofold/postgres';
import type { ShopClients } from './backends/shop-clients.js';
import type { ShopVault } from './backends/personal-data-vault.js';
import { shopEventStore } from './domain/event-schemas.js';
import type { ShopOptions } from './shop-options.js';

export interface CommandSide {
  readonly commands: CommandProcessor;
  /** The event store's database on the commands' pool (deadlines are claimed there too). */
  readonly client: PostgresClient;
  /** The event store the commands append to. */
  readonly eventStore: EventStore;
  readonly idempotencyStore: IdempotencyStore;
  /** Seals personal data on the commands' pool; undefined when the store keeps it in clear. */
  readonly vault: PersonalDataVault | undefined;
  /** Stops the sweep of expired keys and closes the event store (the processor is closed by its owner first). */
  close(): Promise<void>;
}

/**
 * One processor per process: it caches stream states and groups concurrent commands into one append. Expired
 * idempotency keys are ignored already; an hourly sweep only keeps their table small.
 */
export async function openCommandSide(clients: ShopClients, options: ShopOptions, logger: Logger | undefined, personalData: ShopVault): Promise<CommandSide> {
  const commandClient = await clients.clientFor('commands', options.store);
  const idempotencyKeyTtlMs = options.idempotencyKeyTtlMs ?? defaultIdempotencyKeyTtlMs;
  const vault = personalData.on(commandClient);
  const eventStore = shopEventStore(postgresEventStore(commandClient, { idempotencyKeyTtlMs }), vault);
  const idempotencyStore = postgresIdempotencyStore(commandClient, { ttlMs: idempotencyKeyTtlMs });
  const sweep = setInterval(() => {
    idempotencyStore.deleteExpired().catch((error: unknown) => logger?.warn({ err: error }, 'could not delete expired idempotency keys'));
  }, Math.min(idempotencyKeyTtlMs, 60 * 60 * 1000));
  sweep.unref();
  const commands = createCommandProcessor({
    eventStore,
    snapshotStore: postgresSnapshotStore(commandClient),
    cache: { maxEntries: options.commands?.cacheEntries ?? 10_000, maxBytes: options.commands?.cacheBytes ?? 64 * 2 ** 20 },
    ...(options.commands?.maxBatchSize === undefined ? {} : { maxBatchSize: options.commands.maxBatchSize }),
    ...(logger === undefined ? {} : { logger }),
  });
  return {
    commands,
    client: commandClient,
    eventStore,
    idempotencyStore,
    vault,
    async close() {
      clearInterval(sweep);
      await eventStore.close().catch(() => undefined);
    },
  };
}
