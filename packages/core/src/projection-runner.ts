// The work of one projection while this instance holds its lease: read the checkpoint when it may have changed, honour
// pause and dead-letter retries, step the rebuild and the live generation, and back off after failures.
import { CheckpointMoved, StoreUnavailable } from './errors.js';
import type { ProjectionCheckpoint } from './projection.js';
import { readParkedStreams, retryDeadLetters } from './projection-dead-letters.js';
import { stepLive, type LiveReads } from './projection-live-step.js';
import { stepRebuild } from './projection-rebuild-step.js';
import { reportFailure, type RunnerContext, type RunnerMemory } from './projection-runner-context.js';
import { sleep, type createWakeSignal } from './sleep.js';

export type WakeSignal = ReturnType<typeof createWakeSignal>;

/**
 * Set when the store may hold an operator's change for this projection (pause, rebuild, retry, dropped letters).
 * Stores without control notifications keep it set, so their runners read the checkpoint before every step.
 */
export interface OperatorChanges {
  changed: boolean;
}

/** What the runner needs of its lease: the signal that ends the term, and whether the lease was lost. */
export interface LeaseTerm {
  readonly signal: AbortSignal;
  readonly lost: () => boolean;
}

/** How the runner stands between two turns of its loop, for as long as this instance holds the lease. */
interface RunnerLoop {
  readonly signal: AbortSignal;
  checkpoint: ProjectionCheckpoint;
  /** After a batch it committed itself, with no operator's change since, the runner knows its checkpoint. */
  checkpointKnown: boolean;
  checkpointReadAt: number;
  backoffMs: number;
  /** A checkpoint found missing again waits longer each time, for as long as this instance holds the lease. */
  missingCheckpointBackoffMs: number;
  /** CheckpointMoved failures without a step in between. */
  movesInARow: number;
  sawRetryRequest: boolean;
  /** The window boundary the runner last waited for (0: none): its next batch starts in that window. */
  gatheredUntil: number;
}

/** The parts of a runner that every turn uses. */
export interface RunnerParts<Session> {
  readonly context: RunnerContext<Session>;
  readonly memory: RunnerMemory;
  readonly liveReads: LiveReads;
  readonly wake: WakeSignal;
  readonly operatorChanges: OperatorChanges;
}

/** Runs until the term's signal aborts or the lease is lost (checked before every step: a holder resumed after a stall stops at once). */
export async function runWhileLeased<Session>(parts: RunnerParts<Session>, term: LeaseTerm): Promise<void> {
  const loop = await startRunning(parts, term.signal);
  while (!term.signal.aborted && !term.lost()) {
    try {
      await takeTurn(parts, loop);
    } catch (error) {
      await recover(parts.context, loop, error);
    }
  }
}

/** Prepares the projection (asking for a rebuild when its version changed) and learns which streams are parked. */
async function startRunning<Session>(parts: RunnerParts<Session>, signal: AbortSignal): Promise<RunnerLoop> {
  const { context, memory } = parts;
  const { projection, administration, logger, status, settings } = context;
  const { name } = projection;
  const checkpoint = await context.store.prepare(projection);
  if (administration !== undefined && checkpoint.version !== projection.version && checkpoint.rebuild?.version !== projection.version) {
    logger.info({ projection: name, from: checkpoint.version, to: projection.version }, 'version changed: rebuilding beside the live read model');
    await administration.requestRebuild(name, projection.version);
  }
  memory.parkedStreams = await readParkedStreams(context);
  status.cursor = checkpoint.cursor;
  logger.info({ projection: name, position: checkpoint.cursor.position }, 'projection running');
  return {
    signal,
    checkpoint,
    checkpointKnown: false,
    checkpointReadAt: 0,
    backoffMs: settings.retryBackoffMs,
    missingCheckpointBackoffMs: settings.retryBackoffMs,
    movesInARow: 0,
    sawRetryRequest: false,
    gatheredUntil: 0,
  };
}

async function takeTurn<Session>(parts: RunnerParts<Session>, loop: RunnerLoop): Promise<void> {
  const { context, memory, wake } = parts;
  const { status, administration, settings } = context;
  if (!(await refreshCheckpoint(parts, loop))) return;
  loop.checkpointKnown = false;
  const { checkpoint } = loop;
  status.cursor = checkpoint.cursor;
  if (checkpoint.paused === true) {
    if (status.state !== 'failed') status.state = 'paused';
    await wake.wait(settings.pollIntervalMs, loop.signal);
    return;
  }
  // started or resumed: say so before the first batch, which listeners may hear of before this loop goes round
  if (status.state === 'paused' || status.state === 'idle' || status.state === 'standby') status.state = checkpoint.rebuild !== undefined ? 'rebuilding' : 'running';
  if (administration !== undefined && checkpoint.retryRequested === true && !loop.sawRetryRequest) {
    loop.sawRetryRequest = true;
    await retryDeadLetters(context, administration, checkpoint);
    memory.parkedStreams = await readParkedStreams(context);
    return;
  }
  loop.sawRetryRequest = checkpoint.retryRequested === true;
  await step(parts, loop);
}

/**
 * Reads the stored checkpoint unless the runner knows it (it committed the last batch itself, no operator changed
 * anything since, and it read it within a poll interval). False when it was missing and had to be restored.
 */
async function refreshCheckpoint<Session>(parts: RunnerParts<Session>, loop: RunnerLoop): Promise<boolean> {
  const { context, memory, operatorChanges } = parts;
  const { store, projection, settings } = context;
  if (loop.checkpointKnown && !operatorChanges.changed && Date.now() - loop.checkpointReadAt < settings.pollIntervalMs) return true;
  // an operator may have dropped dead letters: streams parked behind them flow again
  const operatorChanged = operatorChanges.changed && store.subscribeToControl !== undefined;
  operatorChanges.changed = store.subscribeToControl === undefined;
  loop.checkpointReadAt = Date.now();
  const stored = (await store.readCheckpoints([projection.name]))[0];
  if (stored === undefined) {
    await restoreMissingCheckpoint(parts, loop);
    loop.missingCheckpointBackoffMs = Math.min(loop.missingCheckpointBackoffMs * 2, settings.maxRetryBackoffMs);
    return false;
  }
  loop.checkpoint = stored;
  if (operatorChanged) memory.parkedStreams = await readParkedStreams(context);
  return true;
}

/**
 * The stored checkpoint is gone (an operator deleted it, or a store with a memory policy evicted it): how far the
 * read model reflects the log is unknown. Says so (failed, with the reason), waits, then prepares the projection
 * again, which stores a checkpoint at the log start: the read model is rebuilt in place by replaying the log,
 * which projections, idempotent by contract, apply over what is left without changing what already reflects an
 * event, and readers keep being served meanwhile, told how far behind it is.
 */
async function restoreMissingCheckpoint<Session>(parts: RunnerParts<Session>, loop: RunnerLoop): Promise<void> {
  const { context, memory } = parts;
  const { name } = context.projection;
  const backoffMs = loop.missingCheckpointBackoffMs;
  const reason = `the checkpoint of ${name} is missing from the projection store (deleted by hand, or evicted by the store's memory policy); rebuilding the read model from the log start`;
  reportFailure(context.status, new Error(reason), 'failed');
  context.logger.error({ projection: name, backoffMs }, reason);
  await sleep(backoffMs, loop.signal);
  if (loop.signal.aborted) return;
  loop.checkpoint = await context.store.prepare(context.projection);
  memory.parkedStreams = await readParkedStreams(context);
  context.status.cursor = loop.checkpoint.cursor;
}

/** Steps the rebuild (if one is under way) and the live generation, then waits for more events when there were none. */
async function step<Session>(parts: RunnerParts<Session>, loop: RunnerLoop): Promise<void> {
  const { context, memory, liveReads, wake } = parts;
  const { administration, status, settings } = context;
  const { checkpoint, signal } = loop;
  const rebuilt = administration !== undefined && checkpoint.rebuild !== undefined ? await stepRebuild(context, memory, administration, checkpoint, signal) : false;
  const batchStarted = batchStart(Date.now(), loop.gatheredUntil);
  loop.gatheredUntil = 0;
  const { taken, full } = await stepLive(context, memory, liveReads, checkpoint, signal);
  const committedTo = taken > 0 ? status.cursor : checkpoint.cursor;
  if (checkpoint.rebuild === undefined && committedTo !== undefined) {
    // its own commit moved the checkpoint, or nothing did (a step that found no events commits nothing): what the
    // runner holds is what is stored, so waking for the next append costs no read of it (another writer's move would
    // still surface as CheckpointMoved at the next commit, and an operator's through the control channel)
    loop.checkpoint = { ...checkpoint, cursor: committedTo };
    loop.checkpointKnown = true;
  }
  status.state = checkpoint.rebuild !== undefined ? 'rebuilding' : 'running';
  status.lastError = undefined;
  loop.backoffMs = settings.retryBackoffMs;
  loop.movesInARow = 0;
  if (taken === 0 && !rebuilt) await wake.wait(settings.pollIntervalMs, signal);
  else if (taken > 0 && !full && !rebuilt && settings.minBatchIntervalMs > 0) {
    // caught up: let the next events gather rather than take them one append at a time, until the moment every other
    // runner of the process that gathers takes its next batch too: they read the log once and commit together
    const end = gatheringEnd(batchStarted, settings.minBatchIntervalMs);
    const rest = end - Date.now();
    if (rest > 0) {
      loop.gatheredUntil = end;
      await sleep(rest, signal);
    }
  }
}

/**
 * When a batch started at `startedAt` (epoch ms) lets the next one start: the first multiple of `intervalMs` after it.
 * At most one batch starts per interval, and runners with the same interval start theirs at the same moments.
 */
export const gatheringEnd = (startedAt: number, intervalMs: number): number => (Math.floor(startedAt / intervalMs) + 1) * intervalMs;

/**
 * When a batch starts, for its window: now, or the boundary the runner waited for if now is before it. A timer fires
 * on the event loop's clock, cached when the loop turned, so Date.now() may still read a millisecond or two before
 * the boundary it was set for; counted from there, the batch would belong to the window before, the runner would find
 * that window over once it committed and take its next batch at once, out of step with the others (measured: 1 step
 * in 20 at 50 ms windows, and the lag p99 of orderSummaries twice the window).
 */
export const batchStart = (now: number, waitedFor: number): number => Math.max(now, waitedFor);

/** After a failed turn: read a moved checkpoint again at once (backing off when it keeps moving), else back off and retry. */
async function recover<Session>(context: RunnerContext<Session>, loop: RunnerLoop, error: unknown): Promise<void> {
  const { projection, status, settings, logger } = context;
  if (error instanceof CheckpointMoved) {
    // the loop reads the stored checkpoint again before the next step; moves again and again without a step
    // in between (an instance that keeps winning, a checkpoint that keeps vanishing) back off
    loop.movesInARow++;
    logger.warn({ projection: projection.name, movesInARow: loop.movesInARow }, 'checkpoint moved elsewhere; reading it again');
    if (loop.movesInARow > 1) {
      reportFailure(status, error);
      await sleep(loop.backoffMs, loop.signal);
      loop.backoffMs = Math.min(loop.backoffMs * 2, settings.maxRetryBackoffMs);
    }
    return;
  }
  if (status.state !== 'failed') reportFailure(status, error);
  if (error instanceof StoreUnavailable) loop.backoffMs = Math.min(loop.backoffMs, settings.maxUnavailableBackoffMs);
  logger.error({ projection: projection.name, err: error, backoffMs: loop.backoffMs }, 'projection step failed; retrying');
  await sleep(loop.backoffMs, loop.signal);
  loop.backoffMs = Math.min(loop.backoffMs * 2, error instanceof StoreUnavailable ? settings.maxUnavailableBackoffMs : settings.maxRetryBackoffMs);
}
