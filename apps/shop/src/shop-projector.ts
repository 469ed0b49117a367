// The shop's projector: which read models a deployment keeps where, and the daemons that keep them.
import { createProjectionDaemon, type Logger, type ProjectionDaemon, type ProjectionDaemonOptions } from '@twofold/core';
import { postgresProjectionStore, type SqlClientCapabilities } from '@twofold/postgres';
import { shopClients, type PoolSizes, type SessionTimeouts, type ShopClients } from './backends/shop-clients.js';
import { openShopStores, type ShopStorage, type ShopStores } from './backends/shop-stores.js';
import { redisOrderSummaries } from './projections/index.js';
import { openProcessDaemon, shopProcessManagers } from './processes/shop-processes.js';

export { shopProjections, shopProjectionsInEventStoreDatabase } from './projections/index.js';
export type { ShopStorage } from './backends/shop-stores.js';

export type DaemonSettings = Omit<ProjectionDaemonOptions<unknown>, 'eventStore' | 'projectionStore' | 'projections'>;

/**
 * minBatchIntervalMs defaults to 50 ms in a database inside this process (PGlite: one thread does everything, batches
 * of one append each starve the commands) and 5 ms on a server, where it is orderSummaries' window alone (the other
 * read models gather over otherBatchIntervalMs, see readModelGroups). As the window of every read model, 10 ms had
 * taken the peak's lag p99 from 66–69 ms (25 ms) to 37–42, and 5 ms cost reads under writes (2026-12-07). For
 * orderSummaries alone (a batch of five statements) 5 ms cost 0.5–0.8 ms of CPU per order more than 10 ms and halved
 * its lag p50 (3 ms against 8 at 167 orders/s without reads); at the peak, alternating with 10 ms, its lag p99 was 24
 * and 21 ms against 30 and 29, reads under 167 writes/s 0.69 and 0.46× alone against 0.58 and 0.47
 * (`npm run bench -- --only orderCost` and `--only readsUnderWrites`, 2026-12-08).
 */
export const daemonSettingsFor = (capabilities: SqlClientCapabilities, settings: Partial<DaemonSettings>, logger: Logger | undefined): DaemonSettings => ({
  minBatchIntervalMs: capabilities.inProcess ? 50 : 5,
  ...settings,
  ...(logger === undefined ? {} : { logger }),
});

/** The wide window, on a server: what the read models not read right after a write and the process managers gather over at least. */
const wideBatchIntervalMs = 50;

/**
 * The process managers' gathering window: at least 50 ms. Their lag shows in no read (a payment deadline is minutes
 * away), so they take fewer, larger batches than the read models.
 */
export const processManagerSettingsFor = (settings: DaemonSettings): DaemonSettings => ({
  ...settings,
  minBatchIntervalMs: Math.max(settings.minBatchIntervalMs ?? 0, wideBatchIntervalMs),
});

/**
 * Whether the process managers join the read models' daemon: only where the read models live beside the log in a
 * database inside this process (PGlite), whose one connection runs every transaction in turn, so one transaction for
 * all costs least. On a server they run in a daemon of their own, their transaction beside the read models' on
 * another connection: at 167 orders/s with no reads that took two of twelve statements off the read models'
 * transaction, whose p99 fell from 12.1–13.2 to 9.1–9.9 ms and orderSummaries' lag p99 from 22.5–25.4 to 18.8–20.5 ms
 * (two alternating runs each, 2026-12-07; full readsUnderWrites runs could not tell it from the hour's noise).
 */
const processManagersJoinReadModels = (stores: Pick<ShopStores, 'eventsClient' | 'modelsClient'>): boolean =>
  stores.modelsClient === stores.eventsClient && stores.eventsClient.capabilities.inProcess;

/**
 * The read models a client reads right after its own write, by the id its command returned (an order's page once it
 * is placed, with the consistency token): they gather over minBatchIntervalMs. Search, a customer's orders, the
 * catalog, balances and analytics may lag a little more ("search may be delayed") and gather over wider windows.
 */
export const promptReadModels: ReadonlySet<string> = new Set(['orderSummaries']);

/** The read models' gathering windows: minBatchIntervalMs for the prompt ones, otherBatchIntervalMs for the rest. */
export interface ReadModelSettings extends Partial<DaemonSettings> {
  /** The window of the read models not read right after a write, on a server (default 50 ms; never narrower than minBatchIntervalMs). */
  readonly otherBatchIntervalMs?: number;
}

export interface ReadModelGroup<P> {
  readonly projections: readonly P[];
  readonly settings: DaemonSettings;
}

/**
 * How the read models split into daemons, each with its windows and a transaction of its own. In a database inside
 * this process (PGlite) one daemon keeps them all: its one connection runs every transaction in turn, so one
 * transaction for all costs least. On a server the prompt read models gather over the narrow window, in a short
 * transaction of their own, and the rest over the wide one: at 167 orders/s with no reads, orderSummaries alone at 10
 * ms and the rest at 50 ms took the CPU of an order from 4.8–6.0 ms to 4.3–5.2 (the projector thread and its backends
 * from 2.8–3.4 ms to 2.1–2.5) and orderSummaries' lag p99 from 18–24 ms to 16–20, the others' being about 60 ms
 * (`npm run bench -- --only orderCost`, eight runs); at the peak (167 writes/s and 8,300 reads/s) the machine had
 * 0.15–0.3 of a core more to spare, the write p99 was 35 and 44 ms against 92 and 77, orderSummaries' lag p99 26 and
 * 28 ms against 60 and 34 (`--only readsUnderWrites`, two alternating pairs, 2026-12-08). Where both windows are the
 * same, one daemon: a second transaction would share nothing.
 */
export function readModelGroups<P extends { readonly name: string }>(projections: readonly P[], settings: DaemonSettings, otherBatchIntervalMs: number | undefined, inProcess: boolean): ReadModelGroup<P>[] {
  const prompt = settings.minBatchIntervalMs ?? 0;
  const other = Math.max(otherBatchIntervalMs ?? wideBatchIntervalMs, prompt);
  const promptOnes = projections.filter((p) => promptReadModels.has(p.name));
  const otherOnes = projections.filter((p) => !promptReadModels.has(p.name));
  const groups: ReadModelGroup<P>[] =
    inProcess || other === prompt
      ? [{ projections, settings }]
      : [
          { projections: promptOnes, settings },
          { projections: otherOnes, settings: { ...settings, minBatchIntervalMs: other } },
        ];
  return groups.filter((group) => group.projections.length > 0);
}

export interface ShopProjector {
  readonly daemons: readonly ProjectionDaemon[];
  /** Stops the daemons (each finishes its batch) and closes what the projector opened. */
  close(): Promise<void>;
}

/** How a projector process holds its leases and bounds its sessions. */
export interface ProjectorBounds {
  /** Bounds on the projector's (and commands') sessions; default 5 s idle in a transaction, 30 s a statement. */
  readonly timeouts?: Partial<SessionTimeouts>;
  /** A projection lease not renewed for this long expires and a standby takes it (default 5 s; renewed every ttl / 3). */
  readonly leaseTtlMs?: number;
}

export interface ShopProjectorOptions extends ShopStorage, ProjectorBounds {
  /** The process's clients to take the projector's from (they stay open); default: clients of its own. */
  readonly clients?: ShopClients;
  readonly pools?: Partial<PoolSizes>;
  readonly daemon?: ReadModelSettings;
  readonly logger?: Logger;
}

/**
 * A projector with clients of its own (the projector thread, or a process of its own): the daemons of every read
 * model the deployment keeps, over the projector's pool. The caller starts them; the schema is migrated by then.
 */
export async function openShopProjector(options: ShopProjectorOptions): Promise<ShopProjector> {
  const ownClients = options.clients === undefined;
  const clients: ShopClients =
    options.clients ??
    shopClients({
      ...(options.pools === undefined ? {} : { pools: options.pools }),
      ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  const lease = options.leaseTtlMs === undefined ? {} : { lease: { ttlMs: options.leaseTtlMs } };
  const closers: (() => Promise<void>)[] = [];
  const daemons: ProjectionDaemon[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(daemons.map((daemon) => daemon.stop().catch(() => undefined)));
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
    if (ownClients) await clients.close();
  };
  try {
    const stores = await openShopStores(options, {
      clientFor: (url) => clients.clientFor('projector', url),
      migrate: false,
      projectionStore: lease,
      leaseTtlMs: options.leaseTtlMs,
    });
    closers.push(() => stores.close());
    const { eventStore, projectionStore, sqlProjections: projections, keyValue } = stores;
    const { otherBatchIntervalMs, ...daemonOptions } = options.daemon ?? {};
    const settings = daemonSettingsFor(stores.eventsClient.capabilities, daemonOptions, options.logger);
    for (const projection of projections) await projectionStore.prepare(projection);
    // read models run by partitioned projectors over the bus are left to them
    const unpartitioned = projections.filter((p) => !(options.partitioned ?? []).includes(p.name));
    // the process managers keep their checkpoints beside the log, with their deadlines
    const together = processManagersJoinReadModels(stores);
    if (together) for (const manager of shopProcessManagers) await projectionStore.prepare(manager);
    if (together) daemons.push(createProjectionDaemon({ eventStore, projectionStore, projections: [...unpartitioned, ...shopProcessManagers], ...settings }));
    else {
      const groups = readModelGroups(unpartitioned, settings, otherBatchIntervalMs, stores.modelsClient.capabilities.inProcess);
      for (const [index, group] of groups.entries()) {
        // a projection store shares one transaction among the batches that reach it together: a daemon of its own
        // needs a store of its own, or the narrow window's batches would join the wide one's transactions
        const store = index === 0 ? projectionStore : postgresProjectionStore(stores.modelsClient, lease);
        if (store !== projectionStore) {
          closers.push(() => store.close());
          for (const projection of group.projections) await store.prepare(projection);
        }
        daemons.push(createProjectionDaemon({ eventStore, projectionStore: store, projections: group.projections, ...group.settings }));
      }
    }
    if (!together) {
      const processes = await openProcessDaemon(stores.eventsClient, eventStore, processManagerSettingsFor(settings), lease);
      closers.push(() => processes.close());
      daemons.push(processes.daemon);
    }
    // the process that starts the projector has warned about the eviction policy already
    if (keyValue !== undefined) daemons.push(createProjectionDaemon({ eventStore, projectionStore: keyValue.store, projections: [redisOrderSummaries], ...settings }));
    return { daemons, close };
  } catch (error) {
    await close();
    throw error;
  }
}
