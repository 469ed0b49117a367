// The sizes of a run: full (the figures), quick (under 5 minutes), tiny (the smoke test, seconds).

export type ProfileName = 'full' | 'quick' | 'tiny';

export interface BenchProfile {
  readonly name: ProfileName;
  readonly rounds: number;
  readonly append: {
    readonly writers: readonly number[];
    readonly eventsPerAppend: readonly number[];
    readonly durationMs: number;
    readonly warmupMs: number;
  };
  readonly commandPath: {
    readonly clients: readonly number[];
    readonly products: number;
    readonly durationMs: number;
    readonly warmupMs: number;
  };
  readonly projection: {
    /** Events in the log the shop's read models catch up on. */
    readonly events: number;
    readonly products: number;
    /** Events the counter projections see, appended by 8 concurrent writers. */
    readonly counterEvents: number;
    readonly counterStreams: number;
    readonly counterWriters: number;
    readonly settleMs: number;
    readonly timeoutMs: number;
  };
  readonly seedShape: {
    /** Place-order rates to try, lowest first; queries run at 50 times each. */
    readonly writeRates: readonly number[];
    readonly queriesPerWrite: number;
    /** Twofold's measured window per rate, and the baseline's (it only shows what the same rates cost without Twofold). */
    readonly durationMs: number;
    readonly baselineDurationMs: number;
    /** Before each window, at the step's rate (ramped up over its first half), not counted. */
    readonly warmupMs: number;
    /** Added to the first step's warm-up on each server: JIT, pg pools and connections warm before anything is counted. */
    readonly serverWarmupMs: number;
    readonly seedOrders: number;
    readonly products: number;
    /** The live-lag comparison of Twofold's daemon and Emmett's processor: appends/s and for how long. */
    readonly lagComparison: { readonly ratePerSec: number; readonly durationMs: number; readonly settleMs: number };
  };
  readonly query: {
    readonly orders: number;
    readonly products: number;
    readonly clients: readonly number[];
    readonly durationMs: number;
    readonly warmupMs: number;
  };
  readonly writeSide: {
    /** Prior events on the ordered product's stream, one history per fresh database; the first is the fresh product the goal compares with. */
    readonly histories: readonly number[];
    /** Closed-loop clients of the history cells, each on a product of its own with the same history. */
    readonly historyClients: readonly number[];
    /** Products the spread cells order from at random; the hot cells order from one. */
    readonly spreadProducts: number;
    readonly contentionClients: readonly number[];
    readonly durationMs: number;
    readonly warmupMs: number;
  };
  readonly readsUnderWrites: {
    /** Orders placed through the shop's API before any window; the reads pick among them. */
    readonly seedOrders: number;
    readonly products: number;
    /** Open-loop order writes per second beside the saturating reads, one row each; the first is "reads alone". */
    readonly writeRates: readonly number[];
    /** The rows that also run the search (order by id runs on every row). */
    readonly searchWriteRates: readonly number[];
    /** wrk's threads and connections (closed loop). */
    readonly threads: number;
    readonly connections: number;
    /** Each wrk window and the warm-up before it (same load, not counted; 0 for none); whole seconds, wrk's unit. */
    readonly durationMs: number;
    readonly warmupMs: number;
    /** The Bol.com peak row: open-loop writes and reads by id at these rates. */
    readonly peak: { readonly writeRate: number; readonly readRate: number; readonly durationMs: number; readonly warmupMs: number };
  };
  readonly orderCost: {
    /** The projector's gathering windows, one fresh shop each. */
    readonly windowsMs: readonly number[];
    /** Open-loop orders per second (the peak's). */
    readonly writeRate: number;
    readonly seedOrders: number;
    readonly products: number;
    readonly durationMs: number;
    readonly warmupMs: number;
  };
}

export const profiles: Record<ProfileName, BenchProfile> = {
  full: {
    name: 'full',
    rounds: 3,
    append: { writers: [1, 8, 32], eventsPerAppend: [1, 10], durationMs: 5_000, warmupMs: 1_000 },
    commandPath: { clients: [1, 8, 32], products: 1_000, durationMs: 10_000, warmupMs: 1_000 },
    projection: { events: 1_000_000, products: 1_000, counterEvents: 20_000, counterStreams: 2_000, counterWriters: 8, settleMs: 3_000, timeoutMs: 600_000 },
    seedShape: { writeRates: [10, 20, 40, 60, 80, 120, 167, 250], queriesPerWrite: 50, durationMs: 60_000, baselineDurationMs: 20_000, warmupMs: 5_000, serverWarmupMs: 5_000, seedOrders: 2_000, products: 1_000, lagComparison: { ratePerSec: 167, durationMs: 30_000, settleMs: 5_000 } },
    query: { orders: 1_000_000, products: 10_000, clients: [8, 32], durationMs: 10_000, warmupMs: 1_000 },
    writeSide: { histories: [0, 10_000, 100_000, 1_000_000], historyClients: [1, 8], spreadProducts: 64, contentionClients: [8, 32], durationMs: 10_000, warmupMs: 1_000 },
    readsUnderWrites: {
      seedOrders: 1_000,
      products: 500,
      writeRates: [1, 50, 167],
      searchWriteRates: [1, 50, 167],
      threads: 2,
      connections: 32,
      durationMs: 15_000,
      warmupMs: 5_000,
      peak: { writeRate: 167, readRate: 8_300, durationMs: 15_000, warmupMs: 5_000 },
    },
    orderCost: { windowsMs: [10, 25, 50], writeRate: 167, seedOrders: 1_000, products: 500, durationMs: 20_000, warmupMs: 5_000 },
  },
  quick: {
    name: 'quick',
    rounds: 1,
    append: { writers: [1, 8, 32], eventsPerAppend: [1, 10], durationMs: 1_500, warmupMs: 300 },
    commandPath: { clients: [8, 32], products: 500, durationMs: 3_000, warmupMs: 500 },
    projection: { events: 50_000, products: 500, counterEvents: 5_000, counterStreams: 800, counterWriters: 8, settleMs: 2_500, timeoutMs: 120_000 },
    seedShape: { writeRates: [20, 40, 80, 167], queriesPerWrite: 50, durationMs: 10_000, baselineDurationMs: 8_000, warmupMs: 3_000, serverWarmupMs: 3_000, seedOrders: 500, products: 500, lagComparison: { ratePerSec: 167, durationMs: 10_000, settleMs: 3_000 } },
    query: { orders: 20_000, products: 2_000, clients: [32], durationMs: 3_000, warmupMs: 500 },
    writeSide: { histories: [0, 10_000, 100_000], historyClients: [1, 8], spreadProducts: 64, contentionClients: [8, 32], durationMs: 3_000, warmupMs: 500 },
    readsUnderWrites: {
      seedOrders: 300,
      products: 200,
      writeRates: [1, 50, 167],
      searchWriteRates: [1, 167],
      threads: 2,
      connections: 32,
      durationMs: 5_000,
      warmupMs: 2_000,
      peak: { writeRate: 167, readRate: 8_300, durationMs: 5_000, warmupMs: 2_000 },
    },
    orderCost: { windowsMs: [10, 50], writeRate: 167, seedOrders: 300, products: 200, durationMs: 8_000, warmupMs: 2_000 },
  },
  tiny: {
    name: 'tiny',
    rounds: 1,
    append: { writers: [1, 8], eventsPerAppend: [1, 10], durationMs: 250, warmupMs: 50 },
    commandPath: { clients: [4], products: 20, durationMs: 400, warmupMs: 100 },
    projection: { events: 2_000, products: 20, counterEvents: 400, counterStreams: 40, counterWriters: 8, settleMs: 1_500, timeoutMs: 60_000 },
    seedShape: { writeRates: [5], queriesPerWrite: 50, durationMs: 1_500, baselineDurationMs: 1_000, warmupMs: 400, serverWarmupMs: 300, seedOrders: 20, products: 20, lagComparison: { ratePerSec: 50, durationMs: 1_000, settleMs: 1_000 } },
    query: { orders: 1_000, products: 100, clients: [4], durationMs: 300, warmupMs: 50 },
    writeSide: { histories: [0, 1_000], historyClients: [1, 8], spreadProducts: 64, contentionClients: [8, 32], durationMs: 300, warmupMs: 50 },
    // no warm-up, and the peak scaled down: a smoke test of the whole path, under a minute
    readsUnderWrites: {
      seedOrders: 30,
      products: 10,
      writeRates: [1, 50, 167],
      searchWriteRates: [1, 167],
      threads: 2,
      connections: 32,
      durationMs: 1_000,
      warmupMs: 0,
      peak: { writeRate: 20, readRate: 500, durationMs: 1_000, warmupMs: 400 },
    },
    orderCost: { windowsMs: [10, 50], writeRate: 50, seedOrders: 20, products: 10, durationMs: 1_000, warmupMs: 200 },
  },
};
