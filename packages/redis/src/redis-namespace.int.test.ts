// A Redis namespace belongs to one event store; the eviction policy is read (never set) and warned about.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, type Redis } from './redis-client.js';
import { claimRedisNamespace, defaultKeyPrefix, evictionWarning, evictionWarningFor, namespaceOwnerKey, NamespaceHeldByAnotherStore } from './redis-namespace.js';

const redisUrl = process.env['TWOFOLD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('Redis namespaces', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const prefix = (): string => {
    const p = `twofold-test:${randomBytes(5).toString('hex')}:`;
    prefixes.push(p);
    return p;
  };
  beforeAll(() => {
    redis = createRedisClient(redisUrl);
  });
  afterAll(async () => {
    for (const p of prefixes) await redis.del(namespaceOwnerKey(p));
    await redis.quit();
  });

  it('is claimed by the first store, again by the same store, and refused to another', async () => {
    const keyPrefix = prefix();
    await claimRedisNamespace(redis, keyPrefix, 'store-a');
    await claimRedisNamespace(redis, keyPrefix, 'store-a');
    const refused = await claimRedisNamespace(redis, keyPrefix, 'store-b').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NamespaceHeldByAnotherStore);
    expect((refused as Error).message).toMatch(/another event store \(store-a\).*--kv-prefix/);
    expect(await redis.get(namespaceOwnerKey(keyPrefix))).toBe('store-a');
    expect(await redis.pttl(namespaceOwnerKey(keyPrefix))).toBe(-1);
  });

  it('refuses a namespace from before owners were recorded whose checkpoints are past the store’s last event, else claims it', async () => {
    const keyPrefix = prefix();
    try {
      await redis.hset(`${keyPrefix}checkpoints`, 'orderSummaries', JSON.stringify({ version: 1, transactionId: '900', position: '4855', lastEventAt: null, updatedAt: new Date().toISOString() }));
      // the case: an empty store on another deployment's keys
      await expect(claimRedisNamespace(redis, keyPrefix, 'empty-store', { headPosition: 0 })).rejects.toThrow(/checkpoint of orderSummaries is at position 4855, past this store's last event at 0/);
      expect(await redis.exists(namespaceOwnerKey(keyPrefix))).toBe(0);
      await claimRedisNamespace(redis, keyPrefix, 'longer-store', { headPosition: 5_000 });
      expect(await redis.get(namespaceOwnerKey(keyPrefix))).toBe('longer-store');
    } finally {
      await redis.del(`${keyPrefix}checkpoints`);
    }
  });

  it('derives distinct default prefixes from distinct store ids', () => {
    const a = defaultKeyPrefix('3f2a9c1b-7e4d-4c8e-9a1b-0c2d3e4f5a6b');
    expect(a).toBe('twofold:3f2a9c1b7e4d4c8e:');
    expect(defaultKeyPrefix('4f2a9c1b-7e4d-4c8e-9a1b-0c2d3e4f5a6b')).not.toBe(a);
  });

  it('warns unless the server’s maxmemory-policy is noeviction, reading it without changing it', async () => {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    const warning = await evictionWarning(redis);
    if (policy === 'noeviction') expect(warning).toBeUndefined();
    else expect(warning).toContain(policy);
    expect((await redis.config('GET', 'maxmemory-policy')) as string[]).toEqual(['maxmemory-policy', policy]);
    expect(evictionWarningFor('noeviction')).toBeUndefined();
    expect(evictionWarningFor('allkeys-lru')).toMatch(/allkeys-lru.*checkpoints included.*noeviction/);
    expect(evictionWarningFor('volatile-lru')).toMatch(/time to live/);
  });

  it('warns about a Redis of its own started with an evicting policy (allkeys-lru)', async () => {
    const { server, port } = await startRedisServer(['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru']);
    const own = createRedisClient(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 20 });
    try {
      expect(await own.ping()).toBe('PONG');
      expect(await evictionWarning(own)).toMatch(/maxmemory-policy is allkeys-lru: .*checkpoints included/);
    } finally {
      own.disconnect();
      server.kill('SIGTERM');
    }
  });
});

/**
 * A redis-server of the test's own, once it logged that it accepts connections; on another random port when the one
 * tried was taken (a random port may be, while other tests run). Its output is in the error when it does not start.
 */
async function startRedisServer(args: readonly string[]): Promise<{ server: ChildProcess; port: number }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      const seen = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      server.stdout!.on('data', seen);
      server.stderr!.on('data', seen);
      server.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ready) return { server, port };
    server.kill('SIGKILL');
    if (!output.includes('Address already in use')) throw new Error(`redis-server did not start within 15 s: ${output.slice(-500)}`);
  }
  throw new Error('redis-server found no free port in 5 tries');
}
