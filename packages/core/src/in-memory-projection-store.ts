// A projection store in memory: each read model is a key-value map, replaced whole when a batch commits.
// It implements the administration port too (pause, dead letters, rebuild generations), for tests.
import { randomUUID } from 'node:crypto';
import { CheckpointMoved } from './errors.js';
import { inMemoryLeaseTable, leaseTiming, type LeaseTiming } from './expiring-lease.js';
import { holdLeasesThrough } from './held-leases.js';
import { inMemoryAdministration } from './in-memory-projection-administration.js';
import { inMemoryProjectionState, type InMemoryProjectionState, type InMemoryReadModel } from './in-memory-projection-state.js';
import { compareCursors, logStart, type LogCursor } from './messages.js';
import type { AdministeredProjectionStore, CheckpointAdvance, CommitBatchOptions, ProjectionDefinition } from './projection.js';

export type { InMemoryReadModel } from './in-memory-projection-state.js';

export interface InMemoryProjectionStore extends AdministeredProjectionStore<InMemoryReadModel> {
  /** The committed read model readers see (a copy). */
  readModel(name: string): InMemoryReadModel;
}

export interface InMemoryProjectionStoreOptions {
  /** Leases expire unless renewed (default ttl 5 s, renewed every ttl / 3). */
  readonly lease?: Partial<LeaseTiming>;
}

async function prepare(state: InMemoryProjectionState, projection: ProjectionDefinition<InMemoryReadModel>) {
  const existing = state.checkpoints.get(projection.name);
  const generation = existing?.generation ?? 1;
  const model = state.model(projection.name, generation) ?? new Map();
  state.setModel(projection.name, generation, model);
  await projection.setup?.(model);
  if (existing === undefined) {
    state.checkpoints.set(projection.name, {
      name: projection.name,
      version: projection.version,
      cursor: logStart,
      lastEventAt: undefined,
      updatedAt: new Date(),
      generation: 1,
      paused: false,
      rebuild: undefined,
      retryRequested: false,
    });
  }
  return state.snapshot(projection.name);
}

/** Applies to a copy of the generation's model, so a failed batch leaves nothing behind; moves the checkpoint only if it is still at `from`. */
async function commitBatch(
  state: InMemoryProjectionState,
  name: string,
  from: LogCursor,
  to: CheckpointAdvance,
  apply: (model: InMemoryReadModel) => Promise<void>,
  options: CommitBatchOptions,
): Promise<void> {
  const checkpoint = state.checkpoints.get(name);
  if (checkpoint === undefined) throw new CheckpointMoved(name);
  const live = options.generation === undefined || options.generation === checkpoint.generation;
  const rebuild = live ? undefined : checkpoint.rebuild;
  if (!live && rebuild?.generation !== options.generation) throw new CheckpointMoved(name);
  const current = live ? checkpoint.cursor : rebuild!.cursor;
  if (compareCursors(current, from) !== 0) throw new CheckpointMoved(name);
  const generation = live ? checkpoint.generation! : rebuild!.generation;
  const draft = structuredClone(state.model(name, generation) ?? new Map());
  await apply(draft);
  const now = state.checkpointOf(name);
  if (compareCursors(live ? now.cursor : now.rebuild!.cursor, from) !== 0) throw new CheckpointMoved(name);
  state.setModel(name, generation, draft);
  if (live) Object.assign(now, { cursor: to.cursor, lastEventAt: to.lastEventAt, updatedAt: new Date() });
  else now.rebuild = { ...now.rebuild!, cursor: to.cursor, lastEventAt: to.lastEventAt };
  state.park(name, options.deadLetters ?? []);
  state.notify(live ? [{ name, cursor: to.cursor, lastEventAt: to.lastEventAt }] : undefined);
}

export function inMemoryProjectionStore(options: InMemoryProjectionStoreOptions = {}): InMemoryProjectionStore {
  const leases = holdLeasesThrough(inMemoryLeaseTable(), randomUUID(), leaseTiming(options.lease));
  const state = inMemoryProjectionState();
  return {
    prepare: (projection) => prepare(state, projection),
    async readCheckpoints(names) {
      return [...state.checkpoints.keys()].filter((name) => names === undefined || names.includes(name)).map(state.snapshot);
    },
    commitBatch: (name, from, to, apply, batchOptions = {}) => commitBatch(state, name, from, to, apply, batchOptions),
    tryAcquireLease: (name) => leases.tryAcquire(name),
    subscribe(listener) {
      state.listeners.add(listener);
      return () => state.listeners.delete(listener);
    },
    subscribeToControl(listener) {
      state.controlListeners.add(listener);
      return () => state.controlListeners.delete(listener);
    },
    readModel(name) {
      const checkpoint = state.checkpoints.get(name);
      return structuredClone(state.model(name, checkpoint?.generation ?? 1) ?? new Map());
    },
    async close() {
      await leases.releaseAll();
    },
    ...inMemoryAdministration(state),
  };
}
