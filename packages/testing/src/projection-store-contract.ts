// The contract every ProjectionStore runs: checkpoints, compare-and-set batches that apply all or nothing, leases, wake-ups.
import { randomBytes } from 'node:crypto';
import {
  CheckpointMoved,
  logStart,
  type CheckpointAdvance,
  type LogCursor,
  type ProjectionDefinition,
  type ProjectionStore,
} from '@twofold/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A key-value read model per projection, written through the store's session: what the contract applies. */
export interface KeyValueReadModel<Session> {
  /** Creates the projection's read model; idempotent. */
  setup(session: Session, projection: string): Promise<void>;
  /** Writes `value`; `at` is the log cursor of the event it comes from (where the store keys writes by position). */
  put(session: Session, projection: string, key: string, value: string, at?: LogCursor): Promise<void>;
  /** Reads a committed value. */
  get(projection: string, key: string): Promise<string | undefined>;
  /** The tables the read model keeps, for stores that rebuild by table (SQL); none elsewhere. */
  tables?(projection: string): readonly string[];
}

export interface ProjectionStoreFixture<Session> {
  readonly store: ProjectionStore<Session>;
  readonly readModel: KeyValueReadModel<Session>;
  close(): Promise<void>;
}

export type ProjectionStoreFactory<Session> = () => Promise<ProjectionStoreFixture<Session>>;

/** The key-value read model for SQL stores: a table `<projection>_kv` (projection names are plain identifiers). */
export function sqlKeyValueReadModel<Session extends SqlQueryable>(client: SqlQueryable): KeyValueReadModel<Session> {
  const table = (projection: string): string => {
    if (!/^[a-z_][a-z0-9_]{0,50}$/.test(projection)) throw new Error(`not a plain identifier: ${projection}`);
    return `${projection}_kv`;
  };
  return {
    tables: (projection) => [table(projection)],
    async setup(session, projection) {
      await session.query(`CREATE TABLE IF NOT EXISTS ${table(projection)} (key text PRIMARY KEY, value text NOT NULL)`);
    },
    async put(session, projection, key, value) {
      await session.query(`INSERT INTO ${table(projection)} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
        key,
        value,
      ]);
    },
    async get(projection, key) {
      const { rows } = await client.query<{ value: string }>(`SELECT value FROM ${table(projection)} WHERE key = $1`, [key]);
      return rows[0]?.value;
    },
  };
}

export interface SqlQueryable {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: Row[] }>;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const until = async (condition: () => boolean, timeoutMs = 2_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await pause(5);
  }
};

export function projectionStoreContract<Session>(name: string, factory: ProjectionStoreFactory<Session>): void {
  describe(`ProjectionStore contract: ${name}`, () => {
    let fixture: ProjectionStoreFixture<Session> | undefined;
    const store = (): ProjectionStore<Session> => fixture!.store;
    const model = (): KeyValueReadModel<Session> => fixture!.readModel;
    const projectionName = (): string => `p_${randomBytes(5).toString('hex')}`;
    const definition = (name: string, setupCalls: { count: number } = { count: 0 }): ProjectionDefinition<Session> => ({
      name,
      version: 3,
      handles: ['Happened'],
      setup: async (session) => {
        setupCalls.count++;
        await model().setup(session, name);
      },
      apply: async () => undefined,
    });
    const advance = (transactionId: number, position: number, lastEventAt = new Date(1_700_000_000_123 + position)): CheckpointAdvance => ({
      cursor: { transactionId, position },
      lastEventAt,
    });
    const cursorOf = async (name: string): Promise<LogCursor | undefined> => (await store().readCheckpoints([name]))[0]?.cursor;

    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.close();
    });

    describe('checkpoints', () => {
      it('prepare runs setup and creates the checkpoint at the log start; again, it changes nothing', async () => {
        const name = projectionName();
        const setupCalls = { count: 0 };
        const first = await store().prepare(definition(name, setupCalls));
        expect(first).toMatchObject({ name, version: 3, cursor: logStart, lastEventAt: undefined });
        expect(first.updatedAt).toBeInstanceOf(Date);
        const second = await store().prepare(definition(name, setupCalls));
        expect(second.cursor).toEqual(logStart);
        expect(setupCalls.count).toBe(2);
      });

      it('prepare returns the checkpoint where the last batch left it', async () => {
        const name = projectionName();
        await store().prepare(definition(name));
        const to = advance(7, 12);
        await store().commitBatch(name, logStart, to, async () => undefined);
        const again = await store().prepare(definition(name));
        expect(again.cursor).toEqual({ transactionId: 7, position: 12 });
        expect(again.lastEventAt?.getTime()).toBe(to.lastEventAt.getTime());
      });

      it('reads the named checkpoints, or all', async () => {
        const a = projectionName();
        const b = projectionName();
        await store().prepare(definition(a));
        await store().prepare(definition(b));
        expect((await store().readCheckpoints([a])).map((c) => c.name)).toEqual([a]);
        expect((await store().readCheckpoints([b, a])).map((c) => c.name).sort()).toEqual([a, b].sort());
        expect(await store().readCheckpoints([projectionName()])).toEqual([]);
        const all = (await store().readCheckpoints()).map((c) => c.name);
        expect(all).toEqual(expect.arrayContaining([a, b]));
      });

      it('keeps large transaction ids and positions exact', async () => {
        const name = projectionName();
        await store().prepare(definition(name));
        await store().commitBatch(name, logStart, advance(2 ** 40 + 3, 2 ** 45 + 1), async () => undefined);
        expect(await cursorOf(name)).toEqual({ transactionId: 2 ** 40 + 3, position: 2 ** 45 + 1 });
      });
    });

    describe('committing a batch', () => {
      it('moves the checkpoint and applies the batch together', async () => {
        const name = projectionName();
        await store().prepare(definition(name));
        await store().commitBatch(name, logStart, advance(5, 9), (session) => model().put(session, name, 'k', 'v1'));
        await store().commitBatch(name, { transactionId: 5, position: 9 }, advance(6, 10), (session) => model().put(session, name, 'k', 'v2'));
        expect(await model().get(name, 'k')).toBe('v2');
        const [checkpoint] = await store().readCheckpoints([name]);
        expect(checkpoint?.cursor).toEqual({ transactionId: 6, position: 10 });
        expect(checkpoint?.lastEventAt?.getTime()).toBe(advance(6, 10).lastEventAt.getTime());
      });

      it('throws CheckpointMoved and applies nothing when the checkpoint is not where the batch started', async () => {
        const name = projectionName();
        await store().prepare(definition(name));
        await store().commitBatch(name, logStart, advance(5, 9), async () => undefined);
        let applied = false;
        const error = await store()
          .commitBatch(name, logStart, advance(6, 10), async (session) => {
            applied = true;
            await model().put(session, name, 'k', 'stale');
          })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CheckpointMoved);
        expect(applied).toBe(false);
        expect(await model().get(name, 'k')).toBeUndefined();
        expect(await cursorOf(name)).toEqual({ transactionId: 5, position: 9 });
      });

      it('throws CheckpointMoved for a projection that was never prepared', async () => {
        await expect(store().commitBatch(projectionName(), logStart, advance(1, 1), async () => undefined)).rejects.toBeInstanceOf(CheckpointMoved);
      });

      it('leaves checkpoint and read model untouched when apply fails', async () => {
        const name = projectionName();
        await store().prepare(definition(name));
        const failure = new Error('poison event');
        await expect(
          store().commitBatch(name, logStart, advance(5, 9), async (session) => {
            await model().put(session, name, 'k', 'half-written');
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect(await model().get(name, 'k')).toBeUndefined();
        expect(await cursorOf(name)).toEqual(logStart);
        // and the projection carries on from where it was
        await store().commitBatch(name, logStart, advance(5, 9), (session) => model().put(session, name, 'k', 'ok'));
        expect(await model().get(name, 'k')).toBe('ok');
      });

      it('lets one of two batches racing from the same checkpoint commit', async () => {
        const name = projectionName();
        await store().prepare(definition(name));
        const results = await Promise.allSettled(
          ['a', 'b'].map((value, i) => store().commitBatch(name, logStart, advance(5, 9 + i), (session) => model().put(session, name, 'k', value))),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected');
        expect(rejected?.reason).toBeInstanceOf(CheckpointMoved);
        const winner = results.findIndex((r) => r.status === 'fulfilled');
        expect(await model().get(name, 'k')).toBe(['a', 'b'][winner]);
        expect(await cursorOf(name)).toEqual({ transactionId: 5, position: 9 + winner });
      });
    });

    describe('leases', () => {
      it('grants a projection lease to one holder until it is released', async () => {
        const name = projectionName();
        const lease = await store().tryAcquireLease(name);
        expect(lease).toBeDefined();
        expect(lease!.lost).toBe(false);
        expect(await store().tryAcquireLease(name)).toBeUndefined();
        const other = await store().tryAcquireLease(projectionName());
        expect(other).toBeDefined();
        await lease!.release();
        await lease!.release(); // releasing twice is harmless
        const again = await store().tryAcquireLease(name);
        expect(again).toBeDefined();
        await again!.release();
        await other!.release();
      });
    });

    describe('subscribing', () => {
      it('wakes a subscriber after a batch commits, and no longer once it unsubscribed', async () => {
        const name = projectionName();
        await store().prepare(definition(name));
        let calls = 0;
        const unsubscribe = store().subscribe(() => calls++);
        try {
          await pause(100); // a store may wake new subscribers once, when it starts listening
          const before = calls;
          await store().commitBatch(name, logStart, advance(1, 1), async () => undefined);
          await until(() => calls > before);
        } finally {
          unsubscribe();
        }
        const after = calls;
        await store().commitBatch(name, { transactionId: 1, position: 1 }, advance(2, 2), async () => undefined);
        await pause(150);
        expect(calls).toBe(after);
      });
    });
  });
}
