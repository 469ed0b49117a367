// The CLI's projection operations (list, pause, resume, rebuild, dead letters) on the stores a deployment names.
import type { ProjectionOperations, StoreOptions } from '@twofold/cli';
import { logStart, NotFound } from '@twofold/core';
import { projectionOverview } from '@twofold/http';
import { administrationByName } from './administration-by-name.js';
import { shopClients } from './backends/shop-clients.js';
import { openShopStores, type ShopStores } from './backends/shop-stores.js';
import { redisOrderSummaries, shopProjections } from './projections/index.js';

const versions = new Map(shopProjections.map((p) => [p.name, p.version]));
const thresholds = Object.fromEntries(shopProjections.flatMap((p) => (p.lagThresholdMs === undefined ? [] : [[p.name, p.lagThresholdMs]])));

export async function openShopProjections(options: StoreOptions): Promise<ProjectionOperations> {
  const { store, readStore, kv, kvPrefix } = options;
  const clients = shopClients();
  let stores: ShopStores | undefined;
  const close = async (): Promise<void> => {
    await stores?.close();
    await clients.close();
  };
  try {
    // with --kv, order summaries live in Redis, in the deployment's namespace: the operations on them go there
    stores = await openShopStores({ store, readStore, kv, kvKeyPrefix: kvPrefix }, { clientFor: (url) => clients.clientFor('reads', url) });
    const { eventStore, projectionStore, keyValue } = stores;
    const sqlNames = new Set(stores.sqlProjections.map((p) => p.name));
    const administration = administrationByName([
      { names: sqlNames, administration: projectionStore },
      ...(keyValue === undefined ? [] : [{ names: new Set([redisOrderSummaries.name]), administration: keyValue.store }]),
    ]);
    const known = (name: string): number => {
      const version = name === redisOrderSummaries.name && keyValue !== undefined ? redisOrderSummaries.version : versions.get(name);
      if (version === undefined) throw new NotFound('projection', name);
      return version;
    };
    return {
      async list() {
        const [sqlCheckpoints, keyValueCheckpoints, head] = await Promise.all([projectionStore.readCheckpoints(), keyValue?.store.readCheckpoints() ?? [], eventStore.head()]);
        const checkpoints = [...sqlCheckpoints.filter((c) => sqlNames.has(c.name)), ...keyValueCheckpoints];
        const first = head === undefined ? undefined : (await eventStore.readAll({ after: logStart, limit: 1 }))[0];
        return {
          headPosition: head?.cursor.position ?? 0,
          projections: projectionOverview({ checkpoints, head, runners: [], firstEventAt: first?.recordedAt, lagThresholdsMs: thresholds }),
        };
      },
      pause: async (name) => (known(name), administration.setPaused(name, true)),
      resume: async (name) => (known(name), administration.setPaused(name, false)),
      rebuild: async (name) => void (await administration.requestRebuild(name, known(name))),
      deadLetters: async (name) => (known(name), administration.readDeadLetters(name)),
      retryDeadLetters: async (name) => (known(name), administration.requestDeadLetterRetry(name)),
      dropDeadLetters: async (name) => (known(name), administration.dropDeadLetters(name)),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
