// The deadline dispatcher: claims due deadlines under a lease and issues their commands through the command path.
import { randomUUID } from 'node:crypto';
import { IdempotencyKeyUsed, OutcomeUnknown, Overloaded, StoreUnavailable, StreamVersionConflict, TwofoldError } from '../errors.js';
import type { Unsubscribe } from '../event-store.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Command } from '../messages.js';
import { createWakeSignal } from '../sleep.js';
import type { DeadlineOutcome, DeadlineStore, DueDeadline } from './deadline-store.js';

export interface DeadlineDispatcherOptions {
  readonly store: DeadlineStore;
  /** Issues a fired deadline's command through the command path (validated, serialized with the others, idempotent). */
  readonly send: (command: Command) => Promise<unknown>;
  /** Names this dispatcher's claims; default a random id. */
  readonly owner?: string;
  /** Longest pause between looks for due deadlines (another process may have scheduled one). Default 250 ms. */
  readonly pollIntervalMs?: number;
  /** How long a claim lasts: a holder that dies mid-fire leaves it to another after this. Default 10,000 ms. */
  readonly leaseMs?: number;
  /** Deadlines claimed at once. Default 50. */
  readonly batchSize?: number;
  /** Pause before a deadline whose command met a store failure is tried again. Default 1,000 ms. */
  readonly retryInMs?: number;
  /**
   * Whether a command with this id is in the log (an event store's `findCommands`). Asked when a deadline's command
   * is refused: a holder that died after appending it and before recording so leaves the next claim a refusal (the
   * state moved on by that very command), which is then recorded as fired, not rejected. Without it, such a
   * deadline reads `rejected` though its command took effect.
   */
  readonly committed?: (commandId: string) => Promise<boolean>;
  readonly logger?: Logger;
}

export interface FiredDeadline {
  readonly deadline: DueDeadline;
  readonly outcome: DeadlineOutcome;
  readonly firedAt: Date;
}

export interface DeadlineDispatcher {
  start(): void;
  stop(): Promise<void>;
  /** Looks for due deadlines now (a deadline was just scheduled in this process). */
  wake(): void;
  /** Claims and fires what is due once; what the loop does each turn. Returns how many it claimed. */
  fireDue(): Promise<number>;
  /** Called after each deadline this dispatcher finished. */
  onFired(listener: (fired: FiredDeadline) => void): Unsubscribe;
}

/** Refusals that will not change on a retry: the process moved on (an order paid before its payment deadline, say). */
const isRefusal = (error: unknown): boolean =>
  error instanceof TwofoldError &&
  !(error instanceof StoreUnavailable || error instanceof OutcomeUnknown || error instanceof StreamVersionConflict || error instanceof Overloaded);

/**
 * A deadline's command carries the deadline's id as its command id and idempotency key, so a dispatcher that died
 * after appending it and before recording that it fired, and the claim that takes it over after the lease, append it
 * at most once: the second attempt finds the key used (or the decider refuses, the state having moved on).
 */
export function commandOfDeadline(deadline: DueDeadline, now: Date): Command {
  return {
    type: deadline.command.type,
    data: deadline.command.data,
    metadata: {
      now,
      correlationId: deadline.correlationId,
      causationId: deadline.causationId,
      actor: `process:${deadline.process}`,
      commandId: deadline.id,
      idempotency: { scope: 'deadline', key: deadline.id, requestHash: deadline.id },
    },
  };
}

/** Sends the deadline's command; its outcome, or undefined when it is to be tried again later. */
async function sendDeadlineCommand(
  deadline: DueDeadline,
  firedAt: Date,
  { send, committed, logger = silentLogger }: Pick<DeadlineDispatcherOptions, 'send' | 'committed' | 'logger'>,
): Promise<{ readonly outcome: DeadlineOutcome; readonly detail?: string } | undefined> {
  try {
    await send(commandOfDeadline(deadline, firedAt));
    return { outcome: 'fired' };
  } catch (error) {
    if (error instanceof IdempotencyKeyUsed) return { outcome: 'fired' };
    if (isRefusal(error)) {
      // an earlier claim's command may have taken effect before its holder died: then this refusal is its echo
      const tookEffect = committed === undefined ? false : await committed(deadline.id).catch(() => undefined);
      if (tookEffect === undefined) return undefined;
      return tookEffect ? { outcome: 'fired' } : { outcome: 'rejected', detail: error instanceof Error ? error.message : String(error) };
    }
    logger.warn({ deadline: deadline.id, attempts: deadline.attempts, err: error }, 'deadline command failed; it is tried again');
    return undefined;
  }
}

export function createDeadlineDispatcher(options: DeadlineDispatcherOptions): DeadlineDispatcher {
  const { store, send, committed, owner = `dispatcher-${randomUUID()}`, pollIntervalMs = 250, leaseMs = 10_000, batchSize = 50, retryInMs = 1_000, logger = silentLogger } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  if (!Number.isInteger(leaseMs) || leaseMs < 1) throw new RangeError('leaseMs must be a positive integer');
  const listeners = new Set<(fired: FiredDeadline) => void>();
  const wakeSignal = createWakeSignal();
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;

  async function fireOne(deadline: DueDeadline): Promise<void> {
    const firedAt = new Date();
    const sent = await sendDeadlineCommand(deadline, firedAt, options);
    if (sent === undefined) {
      await store.release(deadline.id, owner, retryInMs);
      return;
    }
    // a crash here re-fires the command after the lease: its id makes that harmless
    if (await store.finish(deadline.id, owner, sent.outcome, sent.detail)) {
      for (const listener of listeners) listener({ deadline, outcome: sent.outcome, firedAt });
    }
  }

  async function fireDue(): Promise<number> {
    const claimed = await store.claimDue({ owner, limit: batchSize, leaseMs });
    await Promise.all(claimed.map(fireOne));
    return claimed.length;
  }

  async function run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if ((await fireDue()) === batchSize) continue;
        const next = await store.nextDueAt();
        const untilDue = next === undefined ? pollIntervalMs : next.getTime() - Date.now();
        // at least a few ms: the database's clock may run a little behind this one
        await wakeSignal.wait(Math.min(pollIntervalMs, Math.max(untilDue, 2)), signal);
      } catch (error) {
        if (signal.aborted) return;
        logger.warn({ err: error }, 'could not fire deadlines');
        await wakeSignal.wait(Math.max(pollIntervalMs, retryInMs), signal);
      }
    }
  }

  return {
    start() {
      if (controller !== undefined) return;
      controller = new AbortController();
      loop = run(controller.signal);
    },
    async stop() {
      controller?.abort();
      await loop;
      controller = undefined;
      loop = undefined;
    },
    wake: () => wakeSignal.wake(),
    fireDue,
    onFired(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
