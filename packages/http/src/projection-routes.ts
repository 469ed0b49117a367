// GET /api/projections: each projection's version, status, position and lag (events and ms), and the head of the log.
import { Type, type Static } from '@sinclair/typebox';
import { logStart, type EventStore, type PartitionCheckpoint, type ProjectionDaemon, type ProjectionStore } from '@twofold/core';
import { errorResponseRef } from './error-response.js';
import type { HttpApp } from './http-app.js';
import { projectionOverview } from './projection-overview.js';
import { PartitionOverview, partitionOverview } from './partition-overview.js';

export interface ProjectionRoutesOptions {
  readonly eventStore: Pick<EventStore, 'head' | 'readAll'>;
  readonly projectionStore: Pick<ProjectionStore<unknown>, 'readCheckpoints'>;
  /** The daemon of this process, if it runs one: its runners' states and last errors. */
  readonly daemon?: Pick<ProjectionDaemon, 'statuses'>;
  /** Lag above which a projection is `delayed`, by projection name; others get `defaultLagThresholdMs` (500). */
  readonly lagThresholdsMs?: Readonly<Record<string, number>>;
  readonly defaultLagThresholdMs?: number;
  /** The partitions of partitioned projections, when there are any: each projection then lists its own. */
  readonly partitions?: () => Promise<readonly PartitionCheckpoint[]>;
}

export const ProjectionList = Type.Object({
  headPosition: Type.Integer({ minimum: 0 }),
  projections: Type.Array(
    Type.Object({
      name: Type.String(),
      version: Type.Union([Type.Integer(), Type.Null()]),
      generation: Type.Union([Type.Integer(), Type.Null()]),
      status: Type.Union(
        ['running', 'catching-up', 'rebuilding', 'delayed', 'stopped', 'failed'].map((s) => Type.Literal(s)),
        { description: 'failed > rebuilding > delayed (lag above its threshold) > stopped (paused) > catching-up > running' },
      ),
      paused: Type.Boolean(),
      position: Type.Integer({ minimum: 0 }),
      lagEvents: Type.Integer({ minimum: 0 }),
      lagMs: Type.Integer({ minimum: 0 }),
      lagThresholdMs: Type.Integer({ minimum: 0 }),
      lastError: Type.Union([Type.String(), Type.Null()]),
      deadLetters: Type.Integer({ minimum: 0 }),
      rebuild: Type.Union([
        Type.Object({ generation: Type.Integer(), version: Type.Integer(), position: Type.Integer(), lagEvents: Type.Integer() }),
        Type.Null(),
      ]),
      runner: Type.Union([Type.String({ description: 'this process: running (holds the lease), standby, failing, stopped' }), Type.Null()]),
      partitions: Type.Optional(Type.Array(PartitionOverview, { description: 'a partitioned projection: each partition, its owner and lag' })),
    }),
  ),
});
export type ProjectionList = Static<typeof ProjectionList>;

export function projectionRoutes(app: HttpApp, options: ProjectionRoutesOptions): void {
  const { eventStore, projectionStore, daemon, lagThresholdsMs = {}, defaultLagThresholdMs = 500, partitions } = options;
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
      const [checkpoints, head, partitionRows] = await Promise.all([projectionStore.readCheckpoints(), eventStore.head(), partitions?.() ?? []]);
      const runners = daemon?.statuses() ?? [];
      // only a projection that applied nothing yet needs the time of the first event
      const appliedNothing =
        checkpoints.some((c) => c.lastEventAt === undefined) || runners.some((r) => !checkpoints.some((c) => c.name === r.name));
      const first = head !== undefined && appliedNothing ? (await eventStore.readAll({ after: logStart, limit: 1 }))[0] : undefined;
      const projections = projectionOverview({
        checkpoints,
        head,
        runners,
        firstEventAt: first?.recordedAt,
        lagThresholdsMs,
        defaultLagThresholdMs,
      });
      const withPartitions = projections.map((projection) => {
        const own = partitionOverview(partitionRows, projection.name, head);
        return own.length === 0 ? projection : { ...projection, partitions: own };
      });
      return { headPosition: head?.cursor.position ?? 0, projections: withPartitions };
    },
  );
}
