// The projector role of a shop process: in a thread of its own beside an HTTP server on a multi-core machine, else on this thread.
import { availableParallelism } from 'node:os';
import type { Logger, ProjectionDaemon } from '@twofold/core';
import type { ShopClients } from './backends/shop-clients.js';
import type { ShopStorage } from './backends/shop-stores.js';
import { combined } from './daemon-feeds.js';
import type { ShopOptions } from './shop-options.js';
import { openShopProjector } from './shop-projector.js';
import { threadedProjector } from './threaded-projector.js';

export interface ProjectorRole {
  readonly daemon: ProjectionDaemon;
  /** Why the projector is not running now (a thread that failed or died), or undefined. */
  problem(): string | undefined;
  /** Closes what the projector opened on this thread (its daemons are stopped first, by `daemon.stop()`). */
  close(): Promise<void>;
}

export interface ProjectorRoleOptions {
  readonly options: ShopOptions;
  /** Where the read models are kept, with the Redis namespace settled, so the projector writes where the queries read. */
  readonly storage: ShopStorage;
  readonly clients: ShopClients;
  /** The database runs inside this process (PGlite): the projector cannot leave this thread. */
  readonly inProcess: boolean;
  readonly servesRequests: boolean;
  readonly logger: Logger | undefined;
}

export async function startProjectorRole({ options, storage, clients, inProcess, servesRequests, logger }: ProjectorRoleOptions): Promise<ProjectorRole> {
  const bounds = {
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
  };
  const daemonSettings = options.daemon === undefined ? {} : { daemon: options.daemon };
  const inThread = options.projectorThread ?? (servesRequests && !inProcess && availableParallelism() > 1);
  if (inThread && inProcess) throw new Error('the projector cannot run in a thread of its own on PGlite: the database lives on the main thread');
  if (!inThread) {
    const projector = await openShopProjector({ ...storage, ...bounds, clients, ...daemonSettings, ...(logger === undefined ? {} : { logger }) });
    return { daemon: combined(projector.daemons), problem: () => undefined, close: () => projector.close() };
  }
  const level = options.logger === false || options.logger === undefined ? undefined : options.logger.level;
  const threaded = threadedProjector({
    // a batch not done by then is rolled back with its connection: its checkpoint never moved
    stopTimeoutMs: 3_000,
    data: {
      ...storage,
      ...bounds,
      ...(options.pools === undefined ? {} : { pools: options.pools }),
      ...daemonSettings,
      ...(level === undefined ? {} : { logLevel: level }),
    },
    ...(logger === undefined ? {} : { logger }),
    ...(options.onProjectorThread === undefined ? {} : { onThread: options.onProjectorThread }),
  });
  return { daemon: threaded, problem: () => threaded.problem(), close: async () => undefined };
}
