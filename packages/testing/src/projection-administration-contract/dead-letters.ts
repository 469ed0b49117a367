// The projection administration contract on dead letters: parked in order, retried after the fix, kept or dropped.
import { expect, it } from 'vitest';
import { until, type Added, type AdministrationSuite } from './suite.js';

export function deadLetterTests<Session>({ store, setup }: AdministrationSuite<Session>): void {
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
}
