// The administration of the in-memory projection store: pause, rebuild generations beside the live one, dead letters.
import { CheckpointMoved, NotFound } from './errors.js';
import type { InMemoryProjectionState, InMemoryReadModel } from './in-memory-projection-state.js';
import { compareCursors, cursorOf, logStart } from './messages.js';
import type { ProjectionAdministration, RebuildProgress } from './projection.js';

export function inMemoryAdministration(state: InMemoryProjectionState): ProjectionAdministration<InMemoryReadModel> {
  const { deadLetters, checkpointOf } = state;
  return {
    async setPaused(name, paused) {
      checkpointOf(name).paused = paused;
      state.notifyControl();
    },
    async requestRebuild(name, version): Promise<RebuildProgress> {
      const checkpoint = checkpointOf(name);
      const generation = Math.max(checkpoint.generation!, checkpoint.rebuild?.generation ?? 0) + 1;
      if (checkpoint.rebuild !== undefined) state.deleteModel(name, checkpoint.rebuild.generation);
      checkpoint.rebuild = { generation, version, cursor: logStart, lastEventAt: undefined, startedAt: new Date() };
      state.setModel(name, generation, new Map());
      state.notifyControl();
      return checkpoint.rebuild;
    },
    async prepareGeneration(projection, generation) {
      const model = state.model(projection.name, generation) ?? new Map();
      state.setModel(projection.name, generation, model);
      await projection.setup?.(model);
    },
    async completeRebuild(name, generation, at) {
      const checkpoint = checkpointOf(name);
      const rebuild = checkpoint.rebuild;
      if (rebuild?.generation !== generation || compareCursors(rebuild.cursor, at) !== 0 || compareCursors(checkpoint.cursor, at) !== 0) {
        throw new CheckpointMoved(name);
      }
      state.deleteModel(name, checkpoint.generation!);
      Object.assign(checkpoint, { generation, version: rebuild.version, rebuild: undefined, updatedAt: new Date() });
      state.notify();
    },
    async readDeadLetters(name) {
      const all = name === undefined ? [...deadLetters.values()].flat() : (deadLetters.get(name) ?? []);
      return [...all].sort((a, b) => compareCursors(cursorOf(a.event), cursorOf(b.event)));
    },
    async requestDeadLetterRetry(name) {
      checkpointOf(name).retryRequested = true;
      state.notifyControl();
    },
    async retryDeadLetter(name, id, apply) {
      const checkpoint = checkpointOf(name);
      const list = deadLetters.get(name) ?? [];
      if (!list.some((letter) => letter.id === id)) throw new NotFound('dead letter', id);
      const draft = structuredClone(state.model(name, checkpoint.generation!) ?? new Map());
      await apply(draft);
      state.setModel(name, checkpoint.generation!, draft);
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
      state.notify();
    },
    async dropDeadLetters(name, ids) {
      const list = deadLetters.get(name) ?? [];
      const kept = ids === undefined ? [] : list.filter((letter) => !ids.includes(letter.id));
      deadLetters.set(name, kept);
      state.notifyControl();
      return list.length - kept.length;
    },
  };
}
