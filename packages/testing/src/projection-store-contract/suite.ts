// What every group of the ProjectionStore contract shares: the fixture a backend provides, and the suite's helpers over it.
import { randomBytes } from 'node:crypto';
import type { CheckpointAdvance, LogCursor, ProjectionDefinition, ProjectionStore } from '@twofold/core';
import type { KeyValueReadModel } from './key-value-read-model.js';

export interface ProjectionStoreFixture<Session> {
  readonly store: ProjectionStore<Session>;
  readonly readModel: KeyValueReadModel<Session>;
  close(): Promise<void>;
}

export type ProjectionStoreFactory<Session> = () => Promise<ProjectionStoreFixture<Session>>;

/** The suite's view of its fixture, given to each group of tests. */
export interface ProjectionStoreSuite<Session> {
  /** The store the suite's tests share (each on its own projections). */
  readonly store: () => ProjectionStore<Session>;
  readonly model: () => KeyValueReadModel<Session>;
  /** A projection name no other test uses. */
  readonly projectionName: () => string;
  /** A projection over the key-value read model that counts the calls of its setup. */
  readonly definition: (name: string, setupCalls?: { count: number }) => ProjectionDefinition<Session>;
  /** A checkpoint advance to `{ transactionId, position }`. */
  readonly advance: (transactionId: number, position: number, lastEventAt?: Date) => CheckpointAdvance;
  /** Where the projection's checkpoint stands. */
  readonly cursorOf: (name: string) => Promise<LogCursor | undefined>;
}

export function projectionStoreSuite<Session>(
  store: () => ProjectionStore<Session>,
  model: () => KeyValueReadModel<Session>,
): ProjectionStoreSuite<Session> {
  const projectionName = (): string => `p_${randomBytes(5).toString('hex')}`;
  const definition = (name: string, setupCalls: { count: number } = { count: 0 }): ProjectionDefinition<Session> => ({
    name,
    version: 3,
    handles: ['Happened'],
    setup: async (session) => {
      setupCalls.count++;
      await model().setup(session, name);
    },
    apply: async () => undefined,
  });
  const advance = (transactionId: number, position: number, lastEventAt = new Date(1_700_000_000_123 + position)): CheckpointAdvance => ({
    cursor: { transactionId, position },
    lastEventAt,
  });
  const cursorOf = async (name: string): Promise<LogCursor | undefined> => (await store().readCheckpoints([name]))[0]?.cursor;

  return { store, model, projectionName, definition, advance, cursorOf };
}
