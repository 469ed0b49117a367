import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseOrderCount, seedFromEnv } from './seed-command.js';
import { OptionError, type ServeOptions } from './serve-options.js';
import { createTwofoldCli, type TwofoldApplication } from './twofold-cli.js';

/** An application whose serve only records what it was asked, then stops the command. */
function recordingApp(seen: ServeOptions[], seeded: unknown[] = []): TwofoldApplication {
  return {
    name: 'test app',
    serve: async (options) => {
      seen.push(options);
      throw new Error('recorded');
    },
    migrate: async () => undefined,
    seed: async (request) => {
      seeded.push({ ...request, onProgress: typeof request.onProgress });
      request.onProgress(request.orders, request.orders);
      return { products: 3, placed: request.orders, existing: 0 };
    },
  };
}

const quiet = { out: () => undefined, err: () => undefined };

describe('serve seeds demo data unless told not to', () => {
  const before = process.env.TWOFOLD_SEED;
  afterEach(() => {
    if (before === undefined) delete process.env.TWOFOLD_SEED;
    else process.env.TWOFOLD_SEED = before;
  });
  const serveWith = async (args: string[]): Promise<ServeOptions> => {
    const seen: ServeOptions[] = [];
    await expect(createTwofoldCli(recordingApp(seen), quiet).parseAsync(['node', 'twofold', 'serve', ...args])).rejects.toThrow('recorded');
    return seen[0]!;
  };

  it('by default, not with --no-seed, not with TWOFOLD_SEED=0', async () => {
    delete process.env.TWOFOLD_SEED;
    expect((await serveWith([])).seed).toBe(true);
    expect((await serveWith(['--no-seed'])).seed).toBe(false);
    process.env.TWOFOLD_SEED = '0';
    expect((await serveWith([])).seed).toBe(false);
    process.env.TWOFOLD_SEED = '1';
    expect((await serveWith([])).seed).toBe(true);
  });

  it('reads TWOFOLD_SEED as 0/1 (or false/true) and names it otherwise', () => {
    expect(seedFromEnv(undefined)).toBe(true);
    expect(seedFromEnv('false')).toBe(false);
    expect(() => seedFromEnv('no')).toThrow(/TWOFOLD_SEED/);
  });
});

describe('twofold seed', () => {
  it('hands the order count, seed value and store to the application, with a progress callback', async () => {
    const seeded: unknown[] = [];
    const out: string[] = [];
    await createTwofoldCli(recordingApp([], seeded), { out: (l) => out.push(l), err: () => undefined }).parseAsync(['node', 'twofold', 'seed', '--orders', '1000', '--seed-value', 'abc', '--store', 'memory']);
    expect(seeded).toEqual([{ store: 'memory', readStore: undefined, orders: 1000, seedValue: 'abc', onProgress: 'function' }]);
    expect(out).toEqual(['seeded 3 products and 1,000 orders (seed value abc)']);
  });

  it('accepts order counts from 1 to 10 million only, naming the flag', () => {
    expect(parseOrderCount('100000')).toBe(100_000);
    fc.assert(
      fc.property(fc.string(), (text) => {
        const valid = /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 10_000_000;
        if (valid) expect(parseOrderCount(text)).toBe(Number(text));
        else expect(() => parseOrderCount(text)).toThrow(OptionError);
      }),
    );
    expect(() => parseOrderCount('0')).toThrow(/--orders/);
  });
});
