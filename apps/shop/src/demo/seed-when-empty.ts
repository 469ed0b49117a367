// On first start: seeds the demo shop in the background when the store has no events at all, and stops with the server.
import type { CommandProcessor, EventStore, Logger } from '@twofold/core';
import { seedShop } from './seed-shop.js';

export interface DemoSeeding {
  /** Orders of the demo shop (default 300). */
  readonly orders?: number;
  readonly seedValue?: string;
}

export function seedWhenEmpty(commands: CommandProcessor, eventStore: Pick<EventStore, 'head'>, options: DemoSeeding, logger: Logger | undefined): { stop(): Promise<void> } {
  let stopping = false;
  const run = (async () => {
    // a store with any event is someone's data: never add demo data to it
    if ((await eventStore.head()) !== undefined) return;
    logger?.info({ orders: options.orders ?? 300 }, 'empty store: seeding the demo shop (TWOFOLD_SEED=0 or --no-seed turns this off)');
    const result = await seedShop(commands, { ...options, stopped: () => stopping });
    if (!stopping) logger?.info({ ...result }, 'demo shop seeded');
  })().catch((error: unknown) => {
    if (!stopping) logger?.error({ err: error }, 'seeding the demo shop failed');
  });
  return {
    async stop() {
      stopping = true;
      await run;
    },
  };
}
