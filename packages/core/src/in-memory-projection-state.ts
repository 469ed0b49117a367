// What the in-memory projection store keeps: checkpoints, read models by generation, dead letters, and who listens.
import { randomUUID } from 'node:crypto';
import { NotFound } from './errors.js';
import type { CheckpointListener, CheckpointMove, DeadLetter, NewDeadLetter, ProjectionCheckpoint } from './projection.js';

export type InMemoryReadModel = Map<string, unknown>;

export type MutableCheckpoint = { -readonly [K in keyof ProjectionCheckpoint]: ProjectionCheckpoint[K] };

export interface InMemoryProjectionState {
  readonly checkpoints: Map<string, MutableCheckpoint>;
  readonly deadLetters: Map<string, DeadLetter[]>;
  readonly listeners: Set<CheckpointListener>;
  readonly controlListeners: Set<() => void>;
  /** The read model of one generation of a projection, if it has one. */
  model(name: string, generation: number): InMemoryReadModel | undefined;
  setModel(name: string, generation: number, model: InMemoryReadModel): void;
  deleteModel(name: string, generation: number): void;
  /** The projection's checkpoint; NotFound when it has none. */
  checkpointOf(name: string): MutableCheckpoint;
  /** A copy of the checkpoint with its dead-letter count. */
  snapshot(name: string): ProjectionCheckpoint;
  /** Parks the letters, one per event (a rebuild meets the same poison event again). */
  park(name: string, letters: readonly NewDeadLetter[]): void;
  /** A checkpoint may have moved: the live moves when known. */
  notify(moves?: readonly CheckpointMove[]): void;
  /** An operator's change: control listeners (runners) and checkpoint listeners (gates) both hear it. */
  notifyControl(): void;
}

export function inMemoryProjectionState(): InMemoryProjectionState {
  const checkpoints = new Map<string, MutableCheckpoint>();
  const models = new Map<string, InMemoryReadModel>();
  const deadLetters = new Map<string, DeadLetter[]>();
  const listeners = new Set<CheckpointListener>();
  const controlListeners = new Set<() => void>();
  const key = (name: string, generation: number): string => `${name}#${generation}`;

  const checkpointOf = (name: string): MutableCheckpoint => {
    const checkpoint = checkpoints.get(name);
    if (checkpoint === undefined) throw new NotFound('projection', name);
    return checkpoint;
  };
  const notify = (moves?: readonly CheckpointMove[]): void => listeners.forEach((listener) => listener(moves));

  return {
    checkpoints,
    deadLetters,
    listeners,
    controlListeners,
    model: (name, generation) => models.get(key(name, generation)),
    setModel: (name, generation, model) => void models.set(key(name, generation), model),
    deleteModel: (name, generation) => void models.delete(key(name, generation)),
    checkpointOf,
    snapshot: (name) => ({ ...checkpointOf(name), deadLetterCount: deadLetters.get(name)?.length ?? 0 }),
    park(name, letters) {
      const list = deadLetters.get(name) ?? [];
      for (const { event, error } of letters) {
        if (list.some((letter) => letter.event.eventId === event.eventId)) continue;
        list.push({ id: randomUUID(), projection: name, event, error, parkedAt: new Date() });
      }
      deadLetters.set(name, list);
    },
    notify,
    notifyControl() {
      controlListeners.forEach((listener) => listener());
      notify();
    },
  };
}
