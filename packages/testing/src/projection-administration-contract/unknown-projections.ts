// The projection administration contract on projections the store does not keep: operators' changes answer NotFound.
import { randomBytes } from 'node:crypto';
import { NotFound } from '@twofold/core';
import { expect, it } from 'vitest';
import type { AdministrationSuite } from './suite.js';

export function unknownProjectionTests<Session>({ store }: AdministrationSuite<Session>): void {
  it('answers NotFound for operators’ changes to a projection it does not keep', async () => {
    const unknown = `p_${randomBytes(5).toString('hex')}`;
    await expect(store().setPaused(unknown, true)).rejects.toBeInstanceOf(NotFound);
    await expect(store().requestRebuild(unknown, 1)).rejects.toBeInstanceOf(NotFound);
    await expect(store().requestDeadLetterRetry(unknown)).rejects.toBeInstanceOf(NotFound);
    expect(await store().readDeadLetters(unknown)).toEqual([]);
  });
}
