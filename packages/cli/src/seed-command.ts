// `twofold seed --orders N [--seed-value S]`: adds demo data through the application's command path, with a progress bar.
import { Option, type Command } from 'commander';
import { createProgressBar } from './progress-bar.js';
import { OptionError } from './serve-options.js';

export interface SeedRequest {
  readonly store: string;
  readonly readStore: string | undefined;
  readonly orders: number;
  readonly seedValue: string;
  readonly onProgress: (done: number, total: number) => void;
}

export interface SeedSummary {
  readonly products: number;
  readonly placed: number;
  readonly existing: number;
}

export type SeedOperation = (request: SeedRequest) => Promise<SeedSummary>;

export interface SeedCommandOptions {
  readonly out: (line: string) => void;
  readonly storeOptions: (command: Command) => Command;
  readonly seed: SeedOperation;
  readonly progressStream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** TWOFOLD_SEED: unset, `1` or `true` seed; `0` or `false` do not. */
export function seedFromEnv(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new OptionError(`TWOFOLD_SEED must be 0 or 1, not "${value}"`);
}

export function parseOrderCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 10_000_000) throw new OptionError(`--orders must be a whole number from 1 to 10,000,000, not "${value}"`);
  return Number(value);
}

export function addSeedCommand(program: Command, options: SeedCommandOptions): void {
  const { out, storeOptions, seed, progressStream = process.stderr } = options;
  storeOptions(
    program
      .command('seed')
      .description('add demo products and orders through the command path; the same --seed-value makes the same data, and running it again finishes an interrupted run')
      .addOption(new Option('--orders <n>', 'how many orders').default('300'))
      .addOption(new Option('--seed-value <value>', 'orders of one seed value have fixed ids and content').default('demo')),
  ).action(async (flags: { store: string; readStore?: string; orders: string; seedValue: string }) => {
    const orders = parseOrderCount(flags.orders);
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(flags.seedValue)) throw new OptionError(`--seed-value must be 1 to 40 letters, digits, _ or -, not "${flags.seedValue}"`);
    const bar = createProgressBar({ label: 'seed', unit: 'orders', stream: progressStream });
    const summary = await seed({ store: flags.store, readStore: flags.readStore, orders, seedValue: flags.seedValue, onProgress: (done, total) => bar.update(done, total) });
    bar.finish(`${summary.placed.toLocaleString('en-US')} orders placed, ${summary.existing.toLocaleString('en-US')} already there`);
    out(`seeded ${summary.products} products and ${orders.toLocaleString('en-US')} orders (seed value ${flags.seedValue})`);
  });
}
