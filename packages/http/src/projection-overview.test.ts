// projectionOverview: how a projection's status and lag are derived.
import type { ProjectionCheckpoint, ProjectionRunnerStatus, RunnerState } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { projectionOverview } from './projection-overview.js';

const now = new Date('2026-03-01T10:00:30.000Z');
const at = (iso: string) => new Date(`2026-03-01T${iso}Z`);

const checkpoint = (updatedAt: Date, position = 5): ProjectionCheckpoint => ({
  name: 'orders',
  version: 1,
  cursor: { transactionId: position, position },
  lastEventAt: at('10:00:00.000'),
  updatedAt,
});
const runner = (state: RunnerState, lastError?: string): ProjectionRunnerStatus => ({ name: 'orders', state, cursor: undefined, lastError });

const statusOf = (checkpoints: ProjectionCheckpoint[], runners: ProjectionRunnerStatus[]) =>
  projectionOverview({ checkpoints, runners, head: { cursor: { transactionId: 9, position: 9 }, recordedAt: at('10:00:04.000') }, now, recentMs: 10_000, firstEventAt: undefined })[0]
    ?.status;

describe('projection status', () => {
  const quiet = checkpoint(at('10:00:00.000'));
  const recent = checkpoint(at('10:00:25.000'));

  it('is the local runner’s state when it runs or fails here', () => {
    expect(statusOf([quiet], [runner('running')])).toBe('running');
    expect(statusOf([recent], [runner('failing', 'x')])).toBe('failing');
  });

  it('is running when the checkpoint moved recently, whatever runs it', () => {
    expect(statusOf([recent], [])).toBe('running');
    expect(statusOf([recent], [runner('standby')])).toBe('running');
  });

  it('is standby or stopped as the local runner says when the checkpoint is quiet', () => {
    expect(statusOf([quiet], [runner('standby')])).toBe('standby');
    expect(statusOf([quiet], [runner('stopped')])).toBe('stopped');
  });

  it('is unknown when nothing here runs it and the checkpoint is quiet', () => {
    expect(statusOf([quiet], [])).toBe('unknown');
    expect(statusOf([quiet], [runner('idle')])).toBe('unknown');
  });
});

describe('projection lag', () => {
  it('is head minus checkpoint, in events and in commit time; zero when caught up', () => {
    const [behind, caughtUp] = projectionOverview({
      checkpoints: [checkpoint(now, 5), { ...checkpoint(now, 9), name: 'stock' }],
      runners: [],
      head: { cursor: { transactionId: 9, position: 9 }, recordedAt: at('10:00:04.000') },
      now,
      recentMs: 10_000,
      firstEventAt: undefined,
    });
    expect(behind).toMatchObject({ name: 'orders', lagEvents: 4, lagMs: 4000 });
    expect(caughtUp).toMatchObject({ name: 'stock', lagEvents: 0, lagMs: 0 });
  });

  it('lists a local runner without a checkpoint yet', () => {
    const [entry] = projectionOverview({
      checkpoints: [],
      runners: [runner('running')],
      head: { cursor: { transactionId: 2, position: 2 }, recordedAt: at('10:00:04.000') },
      now,
      recentMs: 10_000,
      firstEventAt: at('10:00:01.000'),
    });
    expect(entry).toEqual({ name: 'orders', version: null, status: 'running', position: 0, lagEvents: 2, lagMs: 3000, lastError: null, runner: 'running' });
  });
});
