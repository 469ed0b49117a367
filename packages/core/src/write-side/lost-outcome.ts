// A batch whose append was sent but whose answer was lost with the connection: its commands looked up by id to answer them.
import { OutcomeUnknown, StoreUnavailable } from '../errors.js';
import type { AppendResult, CommandEvents, EventStore } from '../event-store.js';
import type { Logger } from '../logger.js';
import { sleep } from '../sleep.js';
import type { Outcome, QueuedCommand } from './batch-decision.js';

/** A queued command and the promise its caller awaits. */
export interface AwaitedCommand extends QueuedCommand {
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

export interface LostOutcomeContext {
  readonly eventStore: Pick<EventStore, 'findCommands' | 'sessionEnded'>;
  /** How long to keep looking the commands up before answering OutcomeUnknown. */
  readonly outcomeLookupMs: number;
  readonly logger: Logger | undefined;
  /** Counts the commands found committed. */
  readonly counters: { commands: number };
}

/**
 * Answers the commands of a batch whose append was sent but whose outcome was lost: each that wrote is looked
 * up by its command id (the batch is one transaction, so all of them committed or none did). Found: answered
 * with its stored positions. Not found after the lost session was seen to end: it never committed, so
 * StoreUnavailable (retry). Otherwise (the session may still commit it, the store cannot be reached in time):
 * OutcomeUnknown. Commands that wrote nothing changed nothing either way, and may simply be retried.
 */
export async function settleLostOutcome(
  { eventStore, outcomeLookupMs, logger, counters }: LostOutcomeContext,
  batch: readonly AwaitedCommand[],
  outcomes: readonly Outcome[],
  error: StoreUnavailable,
): Promise<void> {
  const deadline = Date.now() + outcomeLookupMs;
  const wrote = batch.filter((_, index) => outcomes[index]!.kind === 'wrote').map((pending) => pending.command.metadata.commandId!);
  let found: ReadonlyMap<string, CommandEvents> | undefined;
  let lookupError: unknown;
  /** True once the lost session ended before the lookup: then what the lookup does not find never committed. */
  let settled = false;
  const { lostSession } = error;
  // one lookup for the whole batch, retried while the store is unreachable, within one deadline
  for (let pauseMs = 50; eventStore.findCommands !== undefined && wrote.length > 0; pauseMs = Math.min(pauseMs * 2, 500)) {
    try {
      // first whether the lost session has ended (else its transaction may still commit after the lookup)
      const ended = lostSession !== undefined && eventStore.sessionEnded !== undefined && (await beforeDeadline(eventStore.sessionEnded(lostSession), deadline));
      found = await beforeDeadline(eventStore.findCommands(wrote), deadline);
      settled = ended;
      if (settled || wrote.every((id) => found!.has(id)) || lostSession === undefined || eventStore.sessionEnded === undefined) break;
      if (Date.now() + pauseMs > deadline) break;
    } catch (caught) {
      lookupError = caught;
      if (!(caught instanceof StoreUnavailable) || Date.now() + pauseMs > deadline) break;
    }
    await sleep(pauseMs);
  }
  batch.forEach((pending, index) => {
    const outcome = outcomes[index]!;
    const commandId = pending.command.metadata.commandId!;
    if (outcome.kind !== 'wrote') {
      pending.reject(outcome.kind === 'rejected' ? outcome.error : new StoreUnavailable(error.message, { cause: error }));
      return;
    }
    const events = found?.get(commandId);
    const streams = events === undefined ? [] : outcome.writes.map((write) => events.streams.find((s) => s.streamId === write.streamId));
    if (events === undefined && settled) {
      // its session ended without committing it: nothing happened, a retry is safe
      pending.reject(new StoreUnavailable(error.message, { cause: error }));
      return;
    }
    if (events === undefined || streams.some((stream) => stream === undefined)) {
      // not stored (yet): it did not commit, or its transaction is still ending on the lost connection
      pending.reject(new OutcomeUnknown(commandId, { cause: found === undefined ? (lookupError ?? error) : error }));
      return;
    }
    logger?.warn({ commandId }, 'append outcome lost with the connection; the command was found committed');
    counters.commands++;
    pending.resolve({ streams: streams.map((s) => s!), position: events.position, transactionId: events.transactionId });
  });
}

/**
 * The promise, or StoreUnavailable once the deadline passes: a look-up over a link that answers nothing (a partition)
 * must not hold the commands' answers past the time they were promised one.
 */
function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailable('the store did not answer the outcome look-up in time')), Math.max(0, deadline - Date.now()));
  });
  promise.catch(() => undefined);
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
