// The clear-before check of a partition run: asked again until answered, so a partition that receives nothing is
// not left short of the tail by one failed question (a stream leader being elected). The stream is a stand-in here;
// the real one answers in partition-cluster-meta.int.test.ts, where a lost metadata leader made this happen once.
import type { JetStreamManager } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { checkClearBefore, checkClearBeforeUntilAnswered, type PartitionRun } from './partition-run.js';
import { partitionTail } from './partition-tail.js';

/** A stream whose getMessage fails `failures` times, then answers `answer` (null: no message of the partition). */
function streamAnswering(failures: number, answer: { seq: number } | null) {
  let calls = 0;
  const jsm = {
    streams: {
      getMessage: () => {
        calls++;
        return calls <= failures ? Promise.reject(new Error('no stream leader')) : Promise.resolve(answer);
      },
    },
  } as unknown as JetStreamManager;
  return { jsm, calls: () => calls };
}

function contextOver(jsm: JetStreamManager, seenFromAfter = 99) {
  const tail = partitionTail();
  tail.restarted(seenFromAfter);
  let idleChanges = 0;
  return { context: { jsm, streamName: 'events', subjectPrefix: 'twofold', tail, onIdleChanged: () => void idleChanges++ }, tail, idleChanges: () => idleChanges };
}

const runAt = (sequence: number): PartitionRun => ({
  claim: { partition: 3, fence: 1, sequence, cursor: { transactionId: 1, position: sequence } },
  applied: 0,
  clearBefore: false,
  abort: new AbortController(),
  done: Promise.resolve(),
});

describe('checkClearBefore', () => {
  it('is answered false when the stream cannot be asked, and leaves the run unchecked', async () => {
    const { jsm } = streamAnswering(1, null);
    const { context } = contextOver(jsm);
    const run = runAt(5);
    expect(await checkClearBefore(context, run)).toBe(false);
    expect(run.clearBefore).toBe(false);
  });

  it('marks the run clear when the next message of the partition is at or after the follower began, not before', async () => {
    const clear = runAt(5);
    expect(await checkClearBefore(contextOver(streamAnswering(0, { seq: 100 }).jsm).context, clear)).toBe(true);
    expect(clear.clearBefore).toBe(true);
    const notClear = runAt(5);
    expect(await checkClearBefore(contextOver(streamAnswering(0, { seq: 42 }).jsm).context, notClear)).toBe(true);
    expect(notClear.clearBefore).toBe(false);
  });
});

describe('checkClearBeforeUntilAnswered', () => {
  it('asks again after failures until the stream answers, and tells the announcer', async () => {
    const stream = streamAnswering(3, null);
    const { context, idleChanges } = contextOver(stream.jsm);
    const run = runAt(5);
    await checkClearBeforeUntilAnswered(context, run, 1, 4);
    expect(stream.calls()).toBe(4);
    expect(run.clearBefore).toBe(true);
    expect(idleChanges()).toBe(1);
  });

  it('stops asking when the run ends', async () => {
    const stream = streamAnswering(Number.POSITIVE_INFINITY, null);
    const { context } = contextOver(stream.jsm);
    const run = runAt(5);
    const asking = checkClearBeforeUntilAnswered(context, run, 5, 5);
    await new Promise((resolve) => setTimeout(resolve, 30));
    run.abort.abort();
    await asking;
    const calls = stream.calls();
    expect(calls).toBeGreaterThan(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stream.calls()).toBe(calls);
    expect(run.clearBefore).toBe(false);
  });

  it('stops asking when the tail follower restarts (which asks again for its own start)', async () => {
    const stream = streamAnswering(Number.POSITIVE_INFINITY, null);
    const { context, tail } = contextOver(stream.jsm);
    const run = runAt(5);
    const asking = checkClearBeforeUntilAnswered(context, run, 5, 5);
    await new Promise((resolve) => setTimeout(resolve, 20));
    tail.restarted(200);
    await asking;
    expect(run.checkingClearFrom).toBeUndefined();
  });

  it('runs one asking at a time for a follower start: a second call while one asks adds no questions', async () => {
    const stream = streamAnswering(2, null);
    const { context } = contextOver(stream.jsm);
    const run = runAt(5);
    await Promise.all([checkClearBeforeUntilAnswered(context, run, 1, 1), checkClearBeforeUntilAnswered(context, run, 1, 1)]);
    expect(stream.calls()).toBe(3);
    expect(run.clearBefore).toBe(true);
  });
});
