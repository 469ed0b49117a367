// Test fixture for the daemon's tests: a projection that lists values per stream (and can be poisoned), and a wait.
import type { InMemoryReadModel } from './in-memory-projection-store.js';
import type { ProjectionDefinition } from './projection.js';

/** Appends each value to a list per stream; throws on values in `poison`. */
export const listing = (poison: Set<number>, extra: Partial<ProjectionDefinition<InMemoryReadModel>> = {}): ProjectionDefinition<InMemoryReadModel> => ({
  name: 'lists',
  version: 1,
  handles: ['Added'],
  apply: async (events, model) => {
    for (const event of events) {
      const value = (event.data as { value: number }).value;
      if (poison.has(value)) throw new Error(`cannot take ${value}`);
      model.set(event.streamId, [...((model.get(event.streamId) as number[] | undefined) ?? []), value]);
    }
  },
  ...extra,
});

export const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};
