// GET /api/projections: each projection's version, status, position and lag (events and ms), and the head of the log.
import { Type, type Static } from '@sinclair/typebox';
import { logStart, type EventStore, type ProjectionDaemon, type ProjectionStore } from '@twofold/core';
import { errorResponseRef } from './error-response.js';
import type { HttpApp } from './http-app.js';
import { projectionOverview } from './projection-overview.js';

export interface ProjectionRoutesOptions {
  readonly eventStore: Pick<EventStore, 'head' | 'readAll'>;
  readonly projectionStore: Pick<ProjectionStore<unknown>, 'readCheckpoints'>;
  /** The daemon of this process, if it runs one: its runners' states and last errors. */
  readonly daemon?: Pick<ProjectionDaemon, 'statuses'>;
  /** A checkpoint updated within this many ms counts as running in some process. */
  readonly recentMs?: number;
  readonly now?: () => Date;
}

export const ProjectionList = Type.Object({
  headPosition: Type.Integer({ minimum: 0 }),
  projections: Type.Array(
    Type.Object({
      name: Type.String(),
      version: Type.Union([Type.Integer(), Type.Null()]),
      status: Type.Union([Type.Literal('running'), Type.Literal('failing'), Type.Literal('standby'), Type.Literal('stopped'), Type.Literal('unknown')]),
      position: Type.Integer({ minimum: 0 }),
      lagEvents: Type.Integer({ minimum: 0 }),
      lagMs: Type.Integer({ minimum: 0 }),
      lastError: Type.Union([Type.String(), Type.Null()]),
      runner: Type.Union([Type.String({ description: 'this process: running (holds the lease), standby, failing, stopped' }), Type.Null()]),
    }),
  ),
});
export type ProjectionList = Static<typeof ProjectionList>;

export function projectionRoutes(app: HttpApp, options: ProjectionRoutesOptions): void {
  const { eventStore, projectionStore, daemon, recentMs = 10_000, now = () => new Date() } = options;
  app.get(
    '/api/projections',
    {
      schema: {
        tags: ['projections'],
        summary: 'Every projection with its checkpoint and lag behind the head of the log',
        response: { 200: ProjectionList, '4xx': errorResponseRef, '5xx': errorResponseRef },
      },
    },
    async (): Promise<ProjectionList> => {
      const [checkpoints, head] = await Promise.all([projectionStore.readCheckpoints(), eventStore.head()]);
      const runners = daemon?.statuses() ?? [];
      // only a projection that applied nothing yet needs the time of the first event
      const appliedNothing =
        checkpoints.some((c) => c.lastEventAt === undefined) || runners.some((r) => !checkpoints.some((c) => c.name === r.name));
      const first = head !== undefined && appliedNothing ? (await eventStore.readAll({ after: logStart, limit: 1 }))[0] : undefined;
      const projections = projectionOverview({
        checkpoints,
        head,
        runners,
        now: now(),
        recentMs,
        firstEventAt: first?.recordedAt,
      });
      return { headPosition: head?.cursor.position ?? 0, projections };
    },
  );
}
