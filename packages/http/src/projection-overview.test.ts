// projectionOverview: how a projection's status and lag are derived.
import type { ProjectionCheckpoint, ProjectionRunnerStatus, RunnerState } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { projectionOverview, type OverviewInput } from './projection-overview.js';

const at = (iso: string) => new Date(`2026-03-01T${iso}Z`);

const checkpoint = (extra: Partial<ProjectionCheckpoint> = {}, position = 5): ProjectionCheckpoint => ({
  name: 'orders',
  version: 1,
  cursor: { transactionId: position, position },
  lastEventAt: at('10:00:00.000'),
  updatedAt: at('10:00:00.000'),
  generation: 1,
  ...extra,
});
const runner = (state: RunnerState, lastError?: string): ProjectionRunnerStatus => ({ name: 'orders', state, cursor: undefined, lastError });
const head = (position: number, time: string) => ({ cursor: { transactionId: position, position }, recordedAt: at(time) });

const overview = (input: Partial<OverviewInput> & Pick<OverviewInput, 'checkpoints'>) =>
  projectionOverview({ runners: [], head: head(5, '10:00:00.000'), firstEventAt: undefined, ...input })[0]!;

describe('projection status', () => {
  it('is running when caught up, whatever runs it', () => {
    expect(overview({ checkpoints: [checkpoint()] }).status).toBe('running');
    expect(overview({ checkpoints: [checkpoint()], runners: [runner('standby')] }).status).toBe('running');
  });

  it('is delayed when the lag passes the threshold, which each projection may set', () => {
    const behind = { checkpoints: [checkpoint()], head: head(9, '10:00:00.600') };
    expect(overview(behind)).toMatchObject({ status: 'delayed', lagMs: 600, lagEvents: 4, lagThresholdMs: 500 });
    expect(overview({ ...behind, lagThresholdsMs: { orders: 5_000 } })).toMatchObject({ status: 'running', lagThresholdMs: 5_000 });
  });

  it('is catching-up when more than a batch behind yet within its threshold', () => {
    expect(overview({ checkpoints: [checkpoint()], head: head(900, '10:00:00.100') }).status).toBe('catching-up');
  });

  it('is stopped when paused, and delayed when paused past its threshold', () => {
    expect(overview({ checkpoints: [checkpoint({ paused: true })] })).toMatchObject({ status: 'stopped', paused: true });
    expect(overview({ checkpoints: [checkpoint({ paused: true })], head: head(7, '10:00:09.000') }).status).toBe('delayed');
  });

  it('is rebuilding while a new generation builds, with its progress', () => {
    const rebuild = { generation: 2, version: 3, cursor: { transactionId: 2, position: 2 }, lastEventAt: undefined, startedAt: at('10:00:00.000') };
    expect(overview({ checkpoints: [checkpoint({ rebuild })] })).toMatchObject({
      status: 'rebuilding',
      rebuild: { generation: 2, version: 3, position: 2, lagEvents: 3 },
    });
  });

  it('is failed when the local runner fails, and that wins over everything', () => {
    const rebuild = { generation: 2, version: 3, cursor: { transactionId: 2, position: 2 }, lastEventAt: undefined, startedAt: at('10:00:00.000') };
    expect(overview({ checkpoints: [checkpoint({ rebuild, paused: true })], runners: [runner('failed', 'boom')] })).toMatchObject({ status: 'failed', lastError: 'boom' });
    expect(overview({ checkpoints: [checkpoint()], runners: [runner('failing', 'x')] }).status).toBe('failed');
  });

  it('counts dead letters', () => {
    expect(overview({ checkpoints: [checkpoint({ deadLetterCount: 3 })] }).deadLetters).toBe(3);
  });
});

describe('projection lag', () => {
  it('measures lag by commit times, so a replay of old events does not read as old', () => {
    const old = checkpoint({ lastEventAt: new Date('2020-01-01T00:00:00Z') });
    expect(overview({ checkpoints: [old], head: head(6, '10:00:00.000') }).lagMs).toBe(Date.parse('2026-03-01T10:00:00Z') - Date.parse('2020-01-01T00:00:00Z'));
    expect(overview({ checkpoints: [old] }).lagMs).toBe(0);
  });

  it('lists a local runner without a checkpoint yet, lagging since the first event', () => {
    expect(
      projectionOverview({ checkpoints: [], runners: [runner('running')], head: head(2, '10:00:04.000'), firstEventAt: at('10:00:01.000') })[0],
    ).toMatchObject({ name: 'orders', version: null, status: 'delayed', position: 0, lagEvents: 2, lagMs: 3000, runner: 'running' });
  });
});
