// A projection store in memory: each read model is a key-value map, replaced whole when a batch commits.
// It implements the administration port too (pause, dead letters, rebuild generations), for tests.
import { randomUUID } from 'node:crypto';
import { CheckpointMoved, NotFound } from './errors.js';
import { inMemoryLeaseTable, leaseTiming, type LeaseTiming } from './expiring-lease.js';
import { holdLeasesThrough } from './held-leases.js';
import { compareCursors, cursorOf, logStart, type LogCursor } from './messages.js';
import type {
  AdministeredProjectionStore,
  CheckpointListener,
  CheckpointMove,
  DeadLetter,
  NewDeadLetter,
  ProjectionCheckpoint,
  ProjectionLease,
  RebuildProgress,
} from './projection.js';

export type InMemoryReadModel = Map<string, unknown>;

export interface InMemoryProjectionStore extends AdministeredProjectionStore<InMemoryReadModel> {
  /** The committed read model readers see (a copy). */
  readModel(name: string): InMemoryReadModel;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface InMemoryProjectionStoreOptions {
  /** Leases expire unless renewed (default ttl 5 s, renewed every ttl / 3). */
  readonly lease?: Partial<LeaseTiming>;
}

export function inMemoryProjectionStore(options: InMemoryProjectionStoreOptions = {}): InMemoryProjectionStore {
  const timing = leaseTiming(options.lease);
  const leases = holdLeasesThrough(inMemoryLeaseTable(), randomUUID(), timing);
  const checkpoints = new Map<string, Mutable<ProjectionCheckpoint>>();
  const models = new Map<string, InMemoryReadModel>();
  const deadLetters = new Map<string, DeadLetter[]>();
  const listeners = new Set<CheckpointListener>();
  const key = (name: string, generation: number): string => `${name}#${generation}`;
  const notify = (moves?: readonly CheckpointMove[]): void => listeners.forEach((listener) => listener(moves));
  const controlListeners = new Set<() => void>();
  /** An operator's change: control listeners (runners) and checkpoint listeners (gates) both hear it. */
  const notifyControl = (): void => {
    controlListeners.forEach((listener) => listener());
    notify();
  };

  const checkpointOf = (name: string): Mutable<ProjectionCheckpoint> => {
    const checkpoint = checkpoints.get(name);
    if (checkpoint === undefined) throw new NotFound('projection', name);
    return checkpoint;
  };
  const snapshot = (name: string): ProjectionCheckpoint => ({ ...checkpointOf(name), deadLetterCount: deadLetters.get(name)?.length ?? 0 });
  const park = (name: string, letters: readonly NewDeadLetter[]): void => {
    const list = deadLetters.get(name) ?? [];
    for (const { event, error } of letters) {
      // a rebuild meets the same poison event again: one letter per event
      if (list.some((letter) => letter.event.eventId === event.eventId)) continue;
      list.push({ id: randomUUID(), projection: name, event, error, parkedAt: new Date() });
    }
    deadLetters.set(name, list);
  };

  return {
    async prepare(projection) {
      const existing = checkpoints.get(projection.name);
      const generation = existing?.generation ?? 1;
      const model = models.get(key(projection.name, generation)) ?? new Map();
      models.set(key(projection.name, generation), model);
      await projection.setup?.(model);
      if (existing === undefined) {
        checkpoints.set(projection.name, {
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
      return snapshot(projection.name);
    },
    async readCheckpoints(names) {
      return [...checkpoints.keys()].filter((name) => names === undefined || names.includes(name)).map(snapshot);
    },
    async commitBatch(name, from, to, apply, options = {}) {
      const checkpoint = checkpoints.get(name);
      if (checkpoint === undefined) throw new CheckpointMoved(name);
      const live = options.generation === undefined || options.generation === checkpoint.generation;
      const rebuild = live ? undefined : checkpoint.rebuild;
      if (!live && rebuild?.generation !== options.generation) throw new CheckpointMoved(name);
      const current = live ? checkpoint.cursor : rebuild!.cursor;
      if (compareCursors(current, from) !== 0) throw new CheckpointMoved(name);
      const generation = live ? checkpoint.generation! : rebuild!.generation;
      // apply to a copy so a failed batch leaves nothing behind
      const draft = structuredClone(models.get(key(name, generation)) ?? new Map());
      await apply(draft);
      const now = checkpointOf(name);
      if (compareCursors(live ? now.cursor : now.rebuild!.cursor, from) !== 0) throw new CheckpointMoved(name);
      models.set(key(name, generation), draft);
      if (live) Object.assign(now, { cursor: to.cursor, lastEventAt: to.lastEventAt, updatedAt: new Date() });
      else now.rebuild = { ...now.rebuild!, cursor: to.cursor, lastEventAt: to.lastEventAt };
      park(name, options.deadLetters ?? []);
      notify(live ? [{ name, cursor: to.cursor, lastEventAt: to.lastEventAt }] : undefined);
    },
    tryAcquireLease(name): Promise<ProjectionLease | undefined> {
      return leases.tryAcquire(name);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscribeToControl(listener) {
      controlListeners.add(listener);
      return () => controlListeners.delete(listener);
    },
    readModel(name) {
      const checkpoint = checkpoints.get(name);
      return structuredClone(models.get(key(name, checkpoint?.generation ?? 1)) ?? new Map());
    },
    async close() {
      await leases.releaseAll();
    },

    async setPaused(name, paused) {
      checkpointOf(name).paused = paused;
      notifyControl();
    },
    async requestRebuild(name, version): Promise<RebuildProgress> {
      const checkpoint = checkpointOf(name);
      const generation = Math.max(checkpoint.generation!, checkpoint.rebuild?.generation ?? 0) + 1;
      if (checkpoint.rebuild !== undefined) models.delete(key(name, checkpoint.rebuild.generation));
      checkpoint.rebuild = { generation, version, cursor: logStart, lastEventAt: undefined, startedAt: new Date() };
      models.set(key(name, generation), new Map());
      notifyControl();
      return checkpoint.rebuild;
    },
    async prepareGeneration(projection, generation) {
      const model = models.get(key(projection.name, generation)) ?? new Map();
      models.set(key(projection.name, generation), model);
      await projection.setup?.(model);
    },
    async completeRebuild(name, generation, at: LogCursor) {
      const checkpoint = checkpointOf(name);
      const rebuild = checkpoint.rebuild;
      if (rebuild?.generation !== generation || compareCursors(rebuild.cursor, at) !== 0 || compareCursors(checkpoint.cursor, at) !== 0) {
        throw new CheckpointMoved(name);
      }
      models.delete(key(name, checkpoint.generation!));
      Object.assign(checkpoint, { generation, version: rebuild.version, rebuild: undefined, updatedAt: new Date() });
      notify();
    },
    async readDeadLetters(name) {
      const all = name === undefined ? [...deadLetters.values()].flat() : (deadLetters.get(name) ?? []);
      return [...all].sort((a, b) => compareCursors(cursorOf(a.event), cursorOf(b.event)));
    },
    async requestDeadLetterRetry(name) {
      checkpointOf(name).retryRequested = true;
      notifyControl();
    },
    async retryDeadLetter(name, id, apply) {
      const checkpoint = checkpointOf(name);
      const list = deadLetters.get(name) ?? [];
      if (!list.some((letter) => letter.id === id)) throw new NotFound('dead letter', id);
      const draft = structuredClone(models.get(key(name, checkpoint.generation!)) ?? new Map());
      await apply(draft);
      models.set(key(name, checkpoint.generation!), draft);
      deadLetters.set(name, list.filter((letter) => letter.id !== id));
    },
    async finishDeadLetterRetry(name, failures) {
      const list = deadLetters.get(name) ?? [];
      deadLetters.set(
        name,
        list.map((letter) => {
          const failure = failures.find((f) => f.id === letter.id);
          return failure === undefined ? letter : { ...letter, error: failure.error };
        }),
      );
      checkpointOf(name).retryRequested = false;
      notify();
    },
    async dropDeadLetters(name, ids) {
      const list = deadLetters.get(name) ?? [];
      const kept = ids === undefined ? [] : list.filter((letter) => !ids.includes(letter.id));
      deadLetters.set(name, kept);
      notifyControl();
      return list.length - kept.length;
    },
  };
}
