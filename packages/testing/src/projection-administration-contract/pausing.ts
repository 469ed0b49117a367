// The projection administration contract on pausing: nothing applied while paused, resumed by notification alone.
import { expect, it } from 'vitest';
import { pause, until, type AdministrationSuite } from './suite.js';

export function pauseTests<Session>({ store, setup }: AdministrationSuite<Session>): void {
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
}
