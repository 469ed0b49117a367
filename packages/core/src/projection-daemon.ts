// The projection daemon: runs each projection in batches, checkpoint and read model in one transaction;
// parks poison events (and their stream's later events) as dead letters; builds rebuilds beside the live model.
import { CheckpointMoved, StoreUnavailable } from './errors.js';
import type { EventStore, Unsubscribe } from './event-store.js';
import { silentLogger, type Logger } from './logger.js';
import { compareCursors, cursorOf, type LogCursor, type StoredEvent } from './messages.js';
import {
  administrationOf,
  type NewDeadLetter,
  type ProjectionAdministration,
  type ProjectionCheckpoint,
  type ProjectionDefinition,
  type ProjectionStore,
} from './projection.js';
import { createSharedLogTail } from './shared-log-tail.js';
import { createWakeSignal, sleep } from './sleep.js';

export interface ProjectionDaemonOptions<Session> {
  readonly eventStore: EventStore;
  readonly projectionStore: ProjectionStore<Session>;
  readonly projections: readonly ProjectionDefinition<Session>[];
  /** Events per batch once caught up (default 500). */
  readonly batchSize?: number;
  /**
   * Events per batch while catching up or rebuilding (default 4 × batchSize): after a full batch the runner
   * is behind, so the next reads double up to this, and fall back to batchSize once one comes back short.
   * Fewer, larger batches share the per-batch work; a batch's transaction stays open longer.
   */
  readonly catchUpBatchSize?: number;
  /** Fallback when no wake-up arrives. */
  readonly pollIntervalMs?: number;
  /**
   * Once caught up, how long a runner lets new events gather after a batch before it takes the next one
   * (default 0: at once). Under a steady stream of small appends, each batch then carries several and the
   * per-batch work (read, transaction, checkpoint) is shared; lag grows by at most this. Catching up is
   * never slowed: after a full batch the next one follows at once.
   */
  readonly minBatchIntervalMs?: number;
  /** How often a standby instance tries to take a lease held elsewhere. */
  readonly leaseRetryMs?: number;
  /** First pause after a failed batch; doubles up to `maxRetryBackoffMs`. */
  readonly retryBackoffMs?: number;
  readonly maxRetryBackoffMs?: number;
  /**
   * The longest pause while a store is unreachable (StoreUnavailable; default 1,000 ms): a retry then costs one failed
   * connect, and the projection must resume within about this long of the store's return, however long it was away.
   */
  readonly maxUnavailableBackoffMs?: number;
  /** How often a batch whose projection throws is tried before its events are isolated (and parked or stopped on). */
  readonly maxApplyAttempts?: number;
  readonly logger?: Logger;
}

export type RunnerState = 'idle' | 'standby' | 'running' | 'rebuilding' | 'paused' | 'failing' | 'failed' | 'stopped';

export interface ProjectionRunnerStatus {
  readonly name: string;
  readonly state: RunnerState;
  readonly cursor: LogCursor | undefined;
  readonly lastError: string | undefined;
}

export type AppliedEvent = Pick<StoredEvent, 'globalPosition' | 'recordedAt'>;

export interface AppliedBatch {
  readonly name: string;
  readonly generation: number | undefined;
  /** True for the generation readers see, false for a rebuild. */
  readonly live: boolean;
  readonly cursor: LogCursor;
  /** Commit time of the event at `cursor`. */
  readonly lastEventAt: Date;
  /** Events passed to the projection (the ones it handles), not parked ones: what listeners may rely on of each. */
  readonly applied: readonly AppliedEvent[];
  readonly parked: number;
  readonly committedAt: Date;
}

export interface ProjectionDaemon {
  start(): void;
  stop(): Promise<void>;
  statuses(): readonly ProjectionRunnerStatus[];
  /** Called after each committed batch in this process. */
  onProgress(listener: (batch: AppliedBatch) => void): Unsubscribe;
}

/** The projection's own code threw: a poison candidate, unlike a store failure. */
class ProjectionApplyFailed extends Error {
  constructor(readonly projection: string, cause: unknown) {
    super(`${projection} could not apply: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

const parkedBehind = (event: StoredEvent): string => `parked behind an earlier dead letter of stream ${event.streamId}`;
const messageOf = (error: unknown): string => (error instanceof ProjectionApplyFailed && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error));

export function createProjectionDaemon<Session>(options: ProjectionDaemonOptions<Session>): ProjectionDaemon {
  const {
    eventStore,
    projectionStore,
    projections,
    batchSize = 500,
    pollIntervalMs = 250,
    minBatchIntervalMs = 0,
    leaseRetryMs = 1000,
    retryBackoffMs = 100,
    maxRetryBackoffMs = 10_000,
    maxUnavailableBackoffMs = 1_000,
    maxApplyAttempts = 3,
    logger = silentLogger,
  } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const { catchUpBatchSize = 4 * batchSize } = options;
  if (!Number.isInteger(catchUpBatchSize) || catchUpBatchSize < batchSize) throw new RangeError('catchUpBatchSize must be an integer of at least batchSize');
  if (!Number.isInteger(maxApplyAttempts) || maxApplyAttempts < 1) throw new RangeError('maxApplyAttempts must be a positive integer');
  if (!Number.isInteger(minBatchIntervalMs) || minBatchIntervalMs < 0) throw new RangeError('minBatchIntervalMs must be a non-negative integer');
  const names = new Set<string>();
  for (const projection of projections) {
    if (names.has(projection.name)) throw new Error(`two projections are named ${projection.name}`);
    names.add(projection.name);
  }
  const admin = administrationOf(projectionStore);
  // the runners read the log through one tail: runners at the same place share a read (one statement, not one
  // each); the types decoded are those some projection uses (none for one that reads what it needs itself)
  const tail = createSharedLogTail(eventStore, { types: [...new Set(projections.flatMap((p) => (p.usesEventData === false ? [] : p.handles)))] });

  const listeners = new Set<(batch: AppliedBatch) => void>();
  const statuses = new Map<string, { state: RunnerState; cursor: LogCursor | undefined; lastError: string | undefined }>(
    projections.map((p) => [p.name, { state: 'idle', cursor: undefined, lastError: undefined }]),
  );
  let controller: AbortController | undefined;
  let running: Promise<void>[] = [];

  /**
   * The work of one projection while this instance holds its lease; `signal` ends it. `control.changed` is set when the store may hold an operator's change for this projection; stores without
   * control notifications keep it set, so their runners read the checkpoint before every step.
   */
  function runner(projection: ProjectionDefinition<Session>, wake: ReturnType<typeof createWakeSignal>, control: { changed: boolean }) {
    const { name } = projection;
    let signal = new AbortController().signal;
    const status = statuses.get(name)!;
    const handled = new Set(projection.handles);
    let parked = new Set<string>();
    const prepared = new Set<number>();

    const fail = (error: unknown, state: RunnerState = 'failing'): void => {
      status.state = state;
      status.lastError = messageOf(error);
    };

    const applyChecked = (events: readonly StoredEvent[]) => async (session: Session) => {
      if (events.length === 0) return;
      try {
        await projection.apply(events, session);
      } catch (error) {
        if (error instanceof StoreUnavailable || error instanceof CheckpointMoved) throw error;
        throw new ProjectionApplyFailed(name, error);
      }
    };

    async function commit(from: LogCursor, events: readonly StoredEvent[], last: StoredEvent, generation: number | undefined, deadLetters: readonly NewDeadLetter[]): Promise<void> {
      const to = { cursor: cursorOf(last), lastEventAt: last.recordedAt };
      await projectionStore.commitBatch(name, from, to, applyChecked(events), {
        ...(deadLetters.length === 0 ? {} : { deadLetters }),
        ...(generation === undefined ? {} : { generation }),
      });
      const live = generation === undefined;
      if (live) status.cursor = to.cursor;
      const batch: AppliedBatch = { name, generation, live, cursor: to.cursor, lastEventAt: to.lastEventAt, applied: events, parked: deadLetters.length, committedAt: new Date() };
      for (const listener of listeners) listener(batch);
    }

    /** Applies one batch; a batch whose projection keeps throwing is isolated event by event. */
    async function applyBatch(events: readonly StoredEvent[], from: LogCursor, generation: number | undefined): Promise<void> {
      const last = events.at(-1)!;
      const relevant = events.filter((event) => handled.has(event.type));
      const ready = relevant.filter((event) => !parked.has(event.streamId));
      const blocked = relevant.filter((event) => parked.has(event.streamId)).map((event) => ({ event, error: parkedBehind(event) }));
      let backoff = retryBackoffMs;
      for (let attempt = 1; ; attempt++) {
        try {
          await commit(from, ready, last, generation, blocked);
          return;
        } catch (error) {
          if (!(error instanceof ProjectionApplyFailed)) throw error;
          fail(error);
          logger.warn({ projection: name, attempt, err: error.cause }, 'projection batch failed');
          if (attempt >= maxApplyAttempts) break;
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, maxRetryBackoffMs);
          if (signal.aborted) throw error;
        }
      }
      await isolate(events, from, generation);
    }

    async function isolate(events: readonly StoredEvent[], from: LogCursor, generation: number | undefined): Promise<void> {
      let cursor = from;
      for (const event of events) {
        if (!handled.has(event.type)) continue;
        if (parked.has(event.streamId)) {
          await commit(cursor, [], event, generation, [{ event, error: parkedBehind(event) }]);
        } else {
          try {
            await commit(cursor, [event], event, generation, []);
          } catch (error) {
            if (!(error instanceof ProjectionApplyFailed)) throw error;
            if (admin === undefined || projection.onPoisonEvent === 'stop') {
              if (admin !== undefined) await admin.setPaused(name, true);
              fail(error, 'failed');
              logger.error({ projection: name, position: event.globalPosition, err: error.cause }, 'poison event: projection stopped');
              throw error;
            }
            await commit(cursor, [], event, generation, [{ event, error: messageOf(error) }]);
            parked.add(event.streamId);
            logger.error({ projection: name, position: event.globalPosition, streamId: event.streamId, err: error.cause }, 'poison event parked as a dead letter');
          }
        }
        cursor = cursorOf(event);
      }
      const last = events.at(-1)!;
      if (compareCursors(cursor, cursorOf(last)) < 0) await commit(cursor, [], last, generation, []);
    }

    interface BatchRead {
      readonly after: LogCursor;
      readonly limit: number;
      readonly events: Promise<readonly StoredEvent[]>;
    }
    /** The next batch, read while the previous one was committing (catch-up only). */
    let readAhead: BatchRead | undefined;
    /** How many events the next live read asks for: batchSize, growing while batches come back full. */
    let limit = batchSize;

    const readBatch = (after: LogCursor, size: number): BatchRead => ({
      after,
      limit: size,
      events: tail.readAll(after, size),
    });

    /**
     * The live batch after `after`: the one read ahead if it starts there, else a fresh read. A batch read ahead
     * is a prefix of the log as it stood a moment ago, as valid as any read: later events follow on the next one.
     */
    function liveBatchAfter(after: LogCursor): BatchRead {
      const ahead = readAhead;
      readAhead = undefined;
      if (ahead !== undefined && compareCursors(ahead.after, after) === 0) return ahead;
      return readBatch(after, limit);
    }

    /** One step of the live generation: how many events it took (0: nothing to do), and whether the batch was full. */
    async function stepLive(checkpoint: ProjectionCheckpoint): Promise<{ taken: number; full: boolean }> {
      const read = liveBatchAfter(checkpoint.cursor);
      const events = await read.events;
      const full = events.length >= read.limit;
      // a full batch means the runner is behind: take more at a time, and read the next batch while this one
      // commits, so reading and applying overlap; a short one means it caught up
      limit = full ? Math.min(read.limit * 2, catchUpBatchSize) : batchSize;
      if (events.length === 0) return { taken: 0, full };
      if (full) {
        readAhead = readBatch(cursorOf(events.at(-1)!), limit);
        // its failure surfaces if the batch is used, and is dropped with it if not
        readAhead.events.catch(() => undefined);
      }
      await applyBatch(events, checkpoint.cursor, undefined);
      return { taken: events.length, full };
    }

    /**
     * One step of a rebuild: catch up to the live checkpoint, never past it, and switch the moment it is
     * reached, before the live generation moves on (else under steady writes it would stay one step behind).
     */
    async function stepRebuild(checkpoint: ProjectionCheckpoint, administration: ProjectionAdministration<Session>): Promise<boolean> {
      const rebuild = checkpoint.rebuild!;
      if (!prepared.has(rebuild.generation)) {
        await administration.prepareGeneration(projection, rebuild.generation);
        prepared.add(rebuild.generation);
      }
      let reached = rebuild.cursor;
      if (compareCursors(reached, checkpoint.cursor) < 0) {
        const events = (await tail.readAll(reached, catchUpBatchSize)).filter(
          (event) => compareCursors(cursorOf(event), checkpoint.cursor) <= 0,
        );
        if (events.length === 0) return false;
        await applyBatch(events, reached, rebuild.generation);
        reached = cursorOf(events.at(-1)!);
      }
      if (compareCursors(reached, checkpoint.cursor) === 0) {
        await administration.completeRebuild(name, rebuild.generation, checkpoint.cursor);
        logger.info({ projection: name, generation: rebuild.generation, position: checkpoint.cursor.position }, 'rebuild complete: readers switched');
      }
      return true;
    }

    async function retryDeadLetters(administration: ProjectionAdministration<Session>): Promise<void> {
      const letters = [...(await administration.readDeadLetters(name))].sort((a, b) => compareCursors(cursorOf(a.event), cursorOf(b.event)));
      const stuck = new Set<string>();
      const failures: { id: string; error: string }[] = [];
      for (const letter of letters) {
        if (stuck.has(letter.event.streamId)) continue;
        try {
          await administration.retryDeadLetter(name, letter.id, applyChecked(handled.has(letter.event.type) ? [letter.event] : []));
        } catch (error) {
          if (!(error instanceof ProjectionApplyFailed)) throw error;
          stuck.add(letter.event.streamId);
          failures.push({ id: letter.id, error: messageOf(error) });
        }
      }
      await administration.finishDeadLetterRetry(name, failures);
      logger.info({ projection: name, retried: letters.length, stillParked: failures.length }, 'dead letters retried');
    }

    async function loadParked(): Promise<void> {
      parked = new Set((admin === undefined ? [] : await admin.readDeadLetters(name)).map((letter) => letter.event.streamId));
    }

    /**
     * The stored checkpoint is gone (an operator deleted it, or a store with a memory policy evicted it): how far the
     * read model reflects the log is unknown. Says so (failed, with the reason), waits `backoffMs`, then prepares the
     * projection again, which stores a checkpoint at the log start: the read model is rebuilt in place by replaying
     * the log, which projections, idempotent by contract, apply over what is left without changing what already
     * reflects an event, and readers keep being served meanwhile, told how far behind it is.
     */
    async function restoreMissingCheckpoint(backoffMs: number, current: ProjectionCheckpoint): Promise<ProjectionCheckpoint> {
      const reason = `the checkpoint of ${name} is missing from the projection store (deleted by hand, or evicted by the store's memory policy); rebuilding the read model from the log start`;
      fail(new Error(reason), 'failed');
      logger.error({ projection: name, backoffMs }, reason);
      await sleep(backoffMs, signal);
      if (signal.aborted) return current;
      const restored = await projectionStore.prepare(projection);
      await loadParked();
      status.cursor = restored.cursor;
      return restored;
    }

    /** Runs until `leaseSignal` aborts or the lease is lost (checked before every step: a holder resumed after a stall stops at once). */
    return async function runWithLease(leaseSignal: AbortSignal, leaseLost: () => boolean): Promise<void> {
      signal = leaseSignal;
      const waitForWake = (ms: number): Promise<void> => wake.wait(ms, signal);
      let checkpoint = await projectionStore.prepare(projection);
      if (admin !== undefined && checkpoint.version !== projection.version && checkpoint.rebuild?.version !== projection.version) {
        logger.info({ projection: name, from: checkpoint.version, to: projection.version }, 'version changed: rebuilding beside the live read model');
        await admin.requestRebuild(name, projection.version);
      }
      await loadParked();
      status.cursor = checkpoint.cursor;
      logger.info({ projection: name, position: checkpoint.cursor.position }, 'projection running');
      let backoff = retryBackoffMs;
      // a checkpoint found missing again waits longer each time, for as long as this instance holds the lease
      let missingBackoff = retryBackoffMs;
      let movesInARow = 0;
      let sawRetryRequest = false;
      // after a batch it committed itself, with no operator's change since, the runner knows its checkpoint
      let known = false;
      let readAt = 0;
      while (!signal.aborted && !leaseLost()) {
        try {
          if (!known || control.changed || Date.now() - readAt >= pollIntervalMs) {
            // an operator may have dropped dead letters: streams parked behind them flow again
            const operatorChanged = control.changed && projectionStore.subscribeToControl !== undefined;
            control.changed = projectionStore.subscribeToControl === undefined;
            readAt = Date.now();
            const stored = (await projectionStore.readCheckpoints([name]))[0];
            if (stored === undefined) {
              checkpoint = await restoreMissingCheckpoint(missingBackoff, checkpoint);
              missingBackoff = Math.min(missingBackoff * 2, maxRetryBackoffMs);
              continue;
            }
            checkpoint = stored;
            if (operatorChanged) await loadParked();
          }
          known = false;
          status.cursor = checkpoint.cursor;
          if (checkpoint.paused === true) {
            if (status.state !== 'failed') status.state = 'paused';
            await waitForWake(pollIntervalMs);
            continue;
          }
          // started or resumed: say so before the first batch, which listeners may hear of before this loop goes round
          if (status.state === 'paused' || status.state === 'idle' || status.state === 'standby') status.state = checkpoint.rebuild !== undefined ? 'rebuilding' : 'running';
          if (admin !== undefined && checkpoint.retryRequested === true && !sawRetryRequest) {
            sawRetryRequest = true;
            await retryDeadLetters(admin);
            await loadParked();
            continue;
          }
          sawRetryRequest = checkpoint.retryRequested === true;
          const rebuilt = admin !== undefined && checkpoint.rebuild !== undefined ? await stepRebuild(checkpoint, admin) : false;
          const batchStarted = Date.now();
          const { taken, full } = await stepLive(checkpoint);
          const progressed = taken > 0 || rebuilt;
          if (taken > 0 && checkpoint.rebuild === undefined && status.cursor !== undefined) {
            checkpoint = { ...checkpoint, cursor: status.cursor };
            known = true;
          }
          status.state = checkpoint.rebuild !== undefined ? 'rebuilding' : 'running';
          status.lastError = undefined;
          backoff = retryBackoffMs;
          movesInARow = 0;
          if (!progressed) await waitForWake(pollIntervalMs);
          else if (taken > 0 && !full && !rebuilt && minBatchIntervalMs > 0) {
            // caught up: let the next events gather rather than take them one append at a time
            const rest = minBatchIntervalMs - (Date.now() - batchStarted);
            if (rest > 0) await sleep(rest, signal);
          }
        } catch (error) {
          if (error instanceof CheckpointMoved) {
            // the loop reads the stored checkpoint again before the next step; moves again and again without a step
            // in between (an instance that keeps winning, a checkpoint that keeps vanishing) back off
            movesInARow++;
            logger.warn({ projection: name, movesInARow }, 'checkpoint moved elsewhere; reading it again');
            if (movesInARow > 1) {
              fail(error);
              await sleep(backoff, signal);
              backoff = Math.min(backoff * 2, maxRetryBackoffMs);
            }
            continue;
          }
          if (status.state !== 'failed') fail(error);
          if (error instanceof StoreUnavailable) backoff = Math.min(backoff, maxUnavailableBackoffMs);
          logger.error({ projection: name, err: error, backoffMs: backoff }, 'projection step failed; retrying');
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, error instanceof StoreUnavailable ? maxUnavailableBackoffMs : maxRetryBackoffMs);
        }
      }
    };
  }

  async function run(projection: ProjectionDefinition<Session>, signal: AbortSignal): Promise<void> {
    const status = statuses.get(projection.name)!;
    const wake = createWakeSignal();
    const unsubscribeEvents = eventStore.subscribe(wake.wake);
    // operators pause, resume, rebuild and retry through the store: its notifications wake the runner too
    const control = { changed: true };
    const onControl = (): void => {
      control.changed = true;
      wake.wake();
    };
    const unsubscribeStore = projectionStore.subscribeToControl?.(onControl) ?? projectionStore.subscribe(onControl);
    const runWithLease = runner(projection, wake, control);
    try {
      while (!signal.aborted) {
        let lease: Awaited<ReturnType<typeof projectionStore.tryAcquireLease>>;
        try {
          lease = await projectionStore.tryAcquireLease(projection.name);
        } catch (error) {
          status.state = 'failing';
          status.lastError = messageOf(error);
          logger.error({ projection: projection.name, err: error }, 'could not ask for the projection lease; retrying');
          await sleep(leaseRetryMs, signal);
          continue;
        }
        if (lease === undefined) {
          status.state = 'standby';
          await sleep(leaseRetryMs, signal);
          continue;
        }
        const held = new AbortController();
        const onAbort = (): void => held.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        // a lost lease ends the inner loop at its next wake-up
        const watch = setInterval(() => lease.lost && held.abort(), 200);
        try {
          await runWithLease(held.signal, () => lease.lost);
        } catch (error) {
          status.state = 'failing';
          status.lastError = messageOf(error);
          logger.error({ projection: projection.name, err: error }, 'projection could not start; retrying');
          await sleep(retryBackoffMs, signal);
        } finally {
          clearInterval(watch);
          signal.removeEventListener('abort', onAbort);
          if (lease.lost) logger.warn({ projection: projection.name }, 'projection lease lost');
          await lease.release().catch(() => undefined);
        }
      }
    } finally {
      unsubscribeEvents();
      unsubscribeStore();
      status.state = 'stopped';
    }
  }

  return {
    start() {
      if (controller !== undefined) return;
      controller = new AbortController();
      const signal = controller.signal;
      running = projections.map((projection) => run(projection, signal));
    },
    async stop() {
      controller?.abort();
      await Promise.all(running);
      controller = undefined;
      running = [];
    },
    statuses() {
      return projections.map((p) => ({ name: p.name, ...statuses.get(p.name)! }));
    },
    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
