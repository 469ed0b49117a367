// The shop's process managers, run by a daemon of their own over the event store's database (their deadlines live beside the log).
import { createProjectionDaemon, type EventStore, type ProjectionDaemon, type ProjectionDaemonOptions, type ProjectionDefinition } from '@twofold/core';
import { postgresProcessManager, postgresProjectionStore, type PostgresClient, type PostgresProjectionStoreOptions, type SqlSession } from '@twofold/postgres';
import { paymentTimeouts } from './payment-timeouts.js';

export const shopProcessManagers: readonly ProjectionDefinition<SqlSession>[] = [postgresProcessManager(paymentTimeouts)];

/**
 * A daemon for the process managers, its checkpoints in the event store's own database (not the read store's): a
 * batch's deadlines commit with the checkpoint that moved past the events that scheduled them.
 */
export async function openProcessDaemon(
  eventsClient: PostgresClient,
  eventStore: EventStore,
  settings: Omit<ProjectionDaemonOptions<SqlSession>, 'eventStore' | 'projectionStore' | 'projections'>,
  storeOptions: PostgresProjectionStoreOptions = {},
): Promise<{ daemon: ProjectionDaemon; close(): Promise<void> }> {
  const projectionStore = postgresProjectionStore(eventsClient, storeOptions);
  for (const manager of shopProcessManagers) await projectionStore.prepare(manager);
  const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: shopProcessManagers, ...settings });
  return { daemon, close: () => projectionStore.close() };
}
