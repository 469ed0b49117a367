// The contract every store with projection administration runs, driven by the real daemon: pause, sequenced dead
// letters retried in order, and blue/green rebuilds under writes that readers never notice.
import { randomBytes } from 'node:crypto';
import {
  CheckpointMoved,
  createProjectionDaemon,
  cursorOf,
  inMemoryEventStore,
  NotFound,
  type AdministeredProjectionStore,
  type EventStore,
  type ProjectionDefinition,
} from '@twofold/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueReadModel } from './projection-store-contract.js';

export interface AdministeredStoreFixture<Session> {
  readonly store: AdministeredProjectionStore<Session>;
  readonly readModel: KeyValueReadModel<Session>;
  close(): Promise<void>;
}

export type AdministeredStoreFactory<Session> = () => Promise<AdministeredStoreFixture<Session>>;

interface Added {
  readonly key: string;
  readonly value: string;
}

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function projectionAdministrationContract<Session>(name: string, factory: AdministeredStoreFactory<Session>): void {
  describe(`ProjectionAdministration contract: ${name}`, () => {
    let fixture: AdministeredStoreFixture<Session> | undefined;
    const store = (): AdministeredProjectionStore<Session> => fixture!.store;
    const model = (): KeyValueReadModel<Session> => fixture!.readModel;
    const cleanups: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      fixture = await factory();
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    afterAll(async () => {
      await fixture?.close();
    });

    /** Keeps the last value per key; throws on values in `poison`. */
    const tally = (projection: string, poison: ReadonlySet<string>, version = 1): ProjectionDefinition<Session> => {
      const tables = model().tables?.(projection);
      return {
        name: projection,
        version,
        handles: ['Added'],
        ...(tables === undefined ? {} : { tables }),
        setup: (session) => model().setup(session, projection),
        apply: async (events, session) => {
          for (const event of events) {
            const { key, value } = event.data as Added;
            if (poison.has(value)) throw new Error(`cannot take ${value}`);
            await model().put(session, projection, key, value, cursorOf(event));
          }
        },
      };
    };

    function setup(options: { poison?: Set<string>; pollIntervalMs?: number; batchSize?: number } = {}) {
      const projection = `p_${randomBytes(5).toString('hex')}`;
      const poison = options.poison ?? new Set<string>();
      const eventStore: EventStore = inMemoryEventStore();
      const daemon = createProjectionDaemon({
        eventStore,
        projectionStore: store(),
        projections: [tally(projection, poison)],
        pollIntervalMs: options.pollIntervalMs ?? 20,
        retryBackoffMs: 1,
        batchSize: options.batchSize ?? 50,
      });
      cleanups.push(() => daemon.stop());
      const add = (stream: string, key: string, value: string) => eventStore.appendToStream(stream, [{ type: 'Added', data: { key, value } }], { expectedVersion: 'any' });
      const checkpoint = async () => (await store().readCheckpoints([projection]))[0];
      const caughtUp = async (position: number) => (await checkpoint())?.cursor.position === position;
      const get = (key: string) => model().get(projection, key);
      return { projection, poison, daemon, add, checkpoint, caughtUp, get };
    }

    it('parks a poison event and its stream’s later events as numbered dead letters, and retries them in order after the fix', async () => {
      const { projection, poison, daemon, add, checkpoint, caughtUp, get } = setup({ poison: new Set(['13']) });
      await add('a', 'a', '1');
      await add('a', 'a', '13');
      await add('b', 'b', '5');
      const last = await add('a', 'a', '2');
      daemon.start();
      await until(() => caughtUp(last.position));
      expect([await get('a'), await get('b')]).toEqual(['1', '5']);
      const letters = await store().readDeadLetters(projection);
      expect(letters.map((l) => [l.event.streamId, (l.event.data as Added).value])).toEqual([
        ['a', '13'],
        ['a', '2'],
      ]);
      expect(letters.every((l) => l.projection === projection && l.event.recordedAt instanceof Date && l.parkedAt instanceof Date)).toBe(true);
      expect(letters[0]!.error).toMatch(/cannot take 13/);
      expect(new Set(letters.map((l) => l.id)).size).toBe(2);
      expect((await checkpoint())?.deadLetterCount).toBe(2);
      expect((await store().readDeadLetters()).filter((l) => l.projection === projection)).toHaveLength(2);

      poison.clear();
      await store().requestDeadLetterRetry(projection);
      await until(async () => (await store().readDeadLetters(projection)).length === 0);
      await until(async () => (await checkpoint())?.retryRequested === false);
      // as a build without the poison would have it: 13, then 2
      expect([await get('a'), await get('b')]).toEqual(['2', '5']);
      expect((await checkpoint())?.deadLetterCount).toBe(0);
    });

    it('keeps a letter that still fails on retry, with its new error, and drops letters by id or all at once', async () => {
      const { projection, poison, daemon, add, caughtUp } = setup({ poison: new Set(['x', 'y']) });
      await add('a', 'a', 'x');
      const last = await add('b', 'b', 'y');
      daemon.start();
      await until(() => caughtUp(last.position));
      poison.delete('x');
      poison.add('y');
      await store().requestDeadLetterRetry(projection);
      await until(async () => (await store().readDeadLetters(projection)).length === 1);
      const [kept] = await store().readDeadLetters(projection);
      expect((kept!.event.data as Added).value).toBe('y');
      expect(await store().dropDeadLetters(projection, ['999999'])).toBe(0);
      expect(await store().dropDeadLetters(projection, [kept!.id])).toBe(1);
      expect(await store().dropDeadLetters(projection)).toBe(0);
    });

    it('applies nothing while paused, and resumes on the operator’s notification alone', async () => {
      // polling every minute: only notifications move this daemon
      const { projection, daemon, add, checkpoint, caughtUp, get } = setup({ pollIntervalMs: 60_000 });
      const first = await add('a', 'a', '1');
      daemon.start();
      await until(() => caughtUp(first.position));
      await store().setPaused(projection, true);
      await until(() => daemon.statuses()[0]?.state === 'paused');
      expect((await checkpoint())?.paused).toBe(true);
      const second = await add('a', 'a', '2');
      await pause(150);
      expect(await get('a')).toBe('1');
      await store().setPaused(projection, false);
      await until(() => caughtUp(second.position), 5_000);
      expect(await get('a')).toBe('2');
    });

    it('rebuilds beside the live read model under writes: readers never see fewer keys, then see a fresh build', async () => {
      const { projection, daemon, add, checkpoint, caughtUp, get } = setup({ batchSize: 5 });
      const before = Array.from({ length: 40 }, (_, i) => `k${i}`);
      for (const [i, key] of before.entries()) await add(`s-${i % 7}`, key, `v${i}`);
      daemon.start();
      await until(() => caughtUp(40));
      const visible = async (keys: readonly string[]) => (await Promise.all(keys.map(get))).filter((value) => value !== undefined).length;
      expect(await visible(before)).toBe(40);
      expect((await checkpoint())?.generation).toBe(1);

      const progress = await store().requestRebuild(projection, 2);
      expect(progress).toMatchObject({ generation: 2, version: 2 });
      let written = 40;
      let fewest = Number.POSITIVE_INFINITY;
      let polls = 0;
      while ((await checkpoint())?.rebuild !== undefined) {
        await add(`s-${written % 7}`, `k${written}`, `v${written}`);
        written++;
        fewest = Math.min(fewest, await visible(before));
        polls++;
        if (polls > 5_000) throw new Error('the rebuild did not finish');
      }
      expect(fewest).toBe(40);
      expect(await checkpoint()).toMatchObject({ generation: 2, version: 2, rebuild: undefined });
      await until(() => caughtUp(written));
      const all = Array.from({ length: written }, (_, i) => `k${i}`);
      expect(await Promise.all(all.map(get))).toEqual(all.map((_, i) => `v${i}`));
    });

    it('starts a rebuild asked for again over in a fresh generation', async () => {
      const { projection, daemon, add, checkpoint, caughtUp, get } = setup();
      const last = await add('a', 'a', '1');
      await store().prepare(tally(projection, new Set()));
      // no daemon yet: the first rebuild does not progress before it is asked for again
      expect((await store().requestRebuild(projection, 1)).generation).toBe(2);
      expect((await store().requestRebuild(projection, 1)).generation).toBe(3);
      daemon.start();
      await until(async () => (await checkpoint())?.generation === 3 && (await caughtUp(last.position)));
      expect(await get('a')).toBe('1');
    });

    it('switches only when the rebuild and the live read model are at the same place', async () => {
      const { projection, add } = setup();
      await add('a', 'a', '1');
      await store().prepare(tally(projection, new Set()));
      const { generation } = await store().requestRebuild(projection, 1);
      const error = await store()
        .completeRebuild(projection, generation, { transactionId: 99, position: 99 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointMoved);
      expect((await store().readCheckpoints([projection]))[0]).toMatchObject({ generation: 1, rebuild: { generation } });
    });

    it('answers NotFound for operators’ changes to a projection it does not keep', async () => {
      const unknown = `p_${randomBytes(5).toString('hex')}`;
      await expect(store().setPaused(unknown, true)).rejects.toBeInstanceOf(NotFound);
      await expect(store().requestRebuild(unknown, 1)).rejects.toBeInstanceOf(NotFound);
      await expect(store().requestDeadLetterRetry(unknown)).rejects.toBeInstanceOf(NotFound);
      expect(await store().readDeadLetters(unknown)).toEqual([]);
    });
  });
}
