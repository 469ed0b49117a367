// The projection administration contract on blue/green rebuilds: built beside the live read model, switched when level.
import { CheckpointMoved } from '@twofold/core';
import { expect, it } from 'vitest';
import { until, type AdministrationSuite } from './suite.js';

export function rebuildTests<Session>({ store, tally, setup }: AdministrationSuite<Session>): void {
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
}
