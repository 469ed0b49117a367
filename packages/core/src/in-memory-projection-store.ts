// A projection store in memory: each read model is a key-value map, replaced whole when a batch commits.
import { CheckpointMoved } from './errors.js';
import { compareCursors, logStart } from './messages.js';
import type { ProjectionCheckpoint, ProjectionLease, ProjectionStore } from './projection.js';

export type InMemoryReadModel = Map<string, unknown>;

export interface InMemoryProjectionStore extends ProjectionStore<InMemoryReadModel> {
  /** The committed read model of a projection (a copy). */
  readModel(name: string): InMemoryReadModel;
}

export function inMemoryProjectionStore(): InMemoryProjectionStore {
  const checkpoints = new Map<string, ProjectionCheckpoint>();
  const models = new Map<string, InMemoryReadModel>();
  const leases = new Set<string>();
  const listeners = new Set<() => void>();

  return {
    async prepare(projection) {
      const model = models.get(projection.name) ?? new Map();
      models.set(projection.name, model);
      await projection.setup?.(model);
      const existing = checkpoints.get(projection.name);
      if (existing !== undefined) return existing;
      const created = { name: projection.name, version: projection.version, cursor: logStart, lastEventAt: undefined, updatedAt: new Date() };
      checkpoints.set(projection.name, created);
      return created;
    },
    async readCheckpoints(names) {
      return [...checkpoints.values()].filter((c) => names === undefined || names.includes(c.name));
    },
    async commitBatch(name, from, to, apply) {
      const current = checkpoints.get(name);
      if (current === undefined || compareCursors(current.cursor, from) !== 0) throw new CheckpointMoved(name);
      // apply to a copy so a failed batch leaves nothing behind
      const draft = structuredClone(models.get(name) ?? new Map());
      await apply(draft);
      if (compareCursors(checkpoints.get(name)!.cursor, from) !== 0) throw new CheckpointMoved(name);
      models.set(name, draft);
      checkpoints.set(name, { ...current, cursor: to.cursor, lastEventAt: to.lastEventAt, updatedAt: new Date() });
      listeners.forEach((listener) => listener());
    },
    async tryAcquireLease(name): Promise<ProjectionLease | undefined> {
      if (leases.has(name)) return undefined;
      leases.add(name);
      let released = false;
      return {
        lost: false,
        async release() {
          if (!released) leases.delete(name);
          released = true;
        },
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    readModel(name) {
      return structuredClone(models.get(name) ?? new Map());
    },
    async close() {},
  };
}
