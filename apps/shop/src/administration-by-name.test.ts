import { inMemoryProjectionStore, NotFound, type ProjectionDefinition, type InMemoryReadModel } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { administrationByName } from './administration-by-name.js';

const projection = (name: string): ProjectionDefinition<InMemoryReadModel> => ({ name, version: 1, handles: [], apply: async () => undefined });

describe('administrationByName', () => {
  it('sends each projection’s operations to the store that keeps it, and knows no other name', async () => {
    const sql = inMemoryProjectionStore();
    const redis = inMemoryProjectionStore();
    await sql.prepare(projection('orderSearch'));
    await redis.prepare(projection('orderSummaries'));
    // a checkpoint the SQL store still has from a deployment without Redis is not the one that counts
    await sql.prepare(projection('orderSummaries'));
    const administration = administrationByName([
      { names: new Set(['orderSearch']), administration: sql },
      { names: new Set(['orderSummaries']), administration: redis },
    ]);
    await administration.setPaused('orderSummaries', true);
    await administration.requestRebuild('orderSearch', 1);
    expect((await redis.readCheckpoints(['orderSummaries']))[0]?.paused).toBe(true);
    expect((await sql.readCheckpoints(['orderSummaries']))[0]?.paused).toBe(false);
    expect((await sql.readCheckpoints(['orderSearch']))[0]?.rebuild?.generation).toBe(2);
    for (const name of ['nope', 'hasOwnProperty', '__proto__', 'constructor']) {
      await expect(administration.setPaused(name, true)).rejects.toBeInstanceOf(NotFound);
      await expect(administration.readDeadLetters(name)).rejects.toBeInstanceOf(NotFound);
    }
    expect(await administration.readDeadLetters()).toEqual([]);
  });
});
