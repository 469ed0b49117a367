// What the projector thread and the process that runs it say to each other: plain data, cloned across the thread boundary.
import type { AppliedBatch, ChangedKeys, LogCursor, ProjectionRunnerStatus } from '@twofold/core';
import type { ProjectorBounds, ReadModelSettings, ShopStorage } from './shop-projector.js';
import type { PoolSizes } from './backends/shop-clients.js';

/** What the thread is started with. */
export interface ProjectorThreadData extends ShopStorage, ProjectorBounds {
  readonly pools?: Partial<PoolSizes>;
  readonly daemon?: Omit<ReadModelSettings, 'logger'>;
  /** pino's level for the thread's own log lines, or undefined for none. */
  readonly logLevel?: string;
  /** How often the thread reports its runners' statuses. */
  readonly statusIntervalMs: number;
}

/** A committed batch, as it crosses the thread boundary: the applied events reduced to what listeners may use. */
export interface BatchReport {
  readonly name: string;
  readonly generation: number | undefined;
  readonly live: boolean;
  readonly after: LogCursor;
  readonly cursor: LogCursor;
  readonly lastEventAt: number;
  /** [global position, recorded at (ms)] per applied event. */
  readonly applied: readonly (readonly [number, number])[];
  readonly parked: number;
  readonly committedAt: number;
  readonly changed: ChangedKeys;
}

export type FromProjector =
  | { readonly kind: 'started' }
  | { readonly kind: 'batch'; readonly batch: BatchReport; readonly statuses: readonly ProjectionRunnerStatus[] }
  | { readonly kind: 'statuses'; readonly statuses: readonly ProjectionRunnerStatus[] }
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'stopped' };

export type ToProjector = { readonly kind: 'stop' };

export const reportOf = (batch: AppliedBatch): BatchReport => ({
  name: batch.name,
  generation: batch.generation,
  live: batch.live,
  after: batch.after,
  cursor: batch.cursor,
  lastEventAt: batch.lastEventAt.getTime(),
  applied: batch.applied.map((event) => [event.globalPosition, event.recordedAt.getTime()] as const),
  parked: batch.parked,
  committedAt: batch.committedAt.getTime(),
  changed: batch.changed,
});

export const batchOf = (report: BatchReport): AppliedBatch => ({
  name: report.name,
  generation: report.generation,
  live: report.live,
  after: report.after,
  cursor: report.cursor,
  lastEventAt: new Date(report.lastEventAt),
  applied: report.applied.map(([globalPosition, recordedAt]) => ({ globalPosition, recordedAt: new Date(recordedAt) })),
  parked: report.parked,
  committedAt: new Date(report.committedAt),
  changed: report.changed,
});
