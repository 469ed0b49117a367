// Projection lag of a shop in a worker, on any store: its daemon's orderSummaries progress (server.progress) matched against its own log (server.head, server.events).
import { logStart, type LogCursor } from '@twofold/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { epochMs } from './clock.js';
import { asHeard, lagsOf, type CommittedEvent, type ProgressEntry } from './lag.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';
import type { Worker } from './worker-process.js';

const reached = (entry: ProgressEntry, head: LogCursor): boolean => entry[1] > head.transactionId || (entry[1] === head.transactionId && entry[2] >= head.position);

export interface WindowLag {
  /** To the daemon's commit of the batch past each event: from then on every read shows it. */
  readonly lag: LatencySummary;
  /** To the moment the shop's HTTP thread heard of that batch (a read with a consistency token waits for this). */
  readonly heard: LatencySummary;
  /** Events committed since the mark that no batch reached within the settle timeout (warm-up included). */
  readonly eventsNeverApplied: number;
  /** Events committed in the window. */
  readonly windowEvents: number;
  /** orderSummaries batches committed from the window's start until the daemon caught up (the projector's transactions, where read models share them). */
  readonly windowBatches: number;
  /** The shop's other read models (those that reported progress), each with its lag over the same events. */
  readonly others: readonly OtherLag[];
}

export interface OtherLag {
  readonly name: string;
  readonly lag: LatencySummary;
}

/** The other read model with the highest lag p99, if any reported. */
export const slowestOther = (lag: WindowLag | undefined): OtherLag | undefined =>
  lag?.others.reduce<OtherLag | undefined>((slowest, other) => (slowest === undefined || other.lag.p99Ms > slowest.lag.p99Ms ? other : slowest), undefined);

export interface ShopLag {
  /** False once a settle found no progress at all in its timeout (the daemon is not in the shop's process): lags are then unknown. */
  readonly available: () => boolean;
  /** The log's head now: events after it are the next window's. */
  mark(): Promise<LogCursor>;
  /** Waits until orderSummaries and the other read models seen have reached the head of the log (or `timeoutMs` passed), collecting orderSummaries' entries into `entries`. */
  settle(timeoutMs: number, entries?: ProgressEntry[]): Promise<ProgressEntry[]>;
  /** The lag per event of the events after `mark` committed from `windowStartEpochMs` on, once the daemon has caught up with them. */
  windowLag(mark: LogCursor, windowStartEpochMs: number, settleTimeoutMs?: number): Promise<WindowLag | undefined>;
}

/**
 * Follows one shop's orderSummaries progress. `server.progress` hands each entry out once, so the last one seen is
 * kept: a daemon already at the head reports nothing new. Settle before taking a mark, so every entry of the
 * events after the mark is among those the next windowLag collects.
 */
export function createShopLag(shop: Worker): ShopLag {
  let last: ProgressEntry | undefined;
  let seenAny = false;
  let gaveUp = false;
  const available = (): boolean => seenAny || !gaveUp;
  /** The other read models' entries since the last mark, and the last entry of each ever seen. */
  let others = new Map<string, ProgressEntry[]>();
  const othersLast = new Map<string, ProgressEntry>();
  const othersReached = (head: LogCursor): boolean => [...othersLast.values()].every((entry) => reached(entry, head));

  async function settle(timeoutMs: number, entries: ProgressEntry[] = []): Promise<ProgressEntry[]> {
    if (!available()) return entries;
    const head = await shop.call<LogCursor | undefined>('server.head');
    const deadline = epochMs() + timeoutMs;
    for (;;) {
      const taken = await shop.call<ProgressEntry[]>('server.progress');
      entries.push(...taken);
      last = taken.at(-1) ?? last;
      seenAny ||= taken.length > 0;
      for (const [name, otherTaken] of Object.entries(await shop.call<Record<string, ProgressEntry[]>>('server.otherProgress'))) {
        if (!others.has(name)) others.set(name, []);
        others.get(name)!.push(...otherTaken);
        const otherLast = otherTaken.at(-1);
        if (otherLast !== undefined) othersLast.set(name, otherLast);
      }
      if (head === undefined || (last !== undefined && reached(last, head) && othersReached(head))) return entries;
      if (epochMs() > deadline) {
        gaveUp = true;
        return entries;
      }
      await sleep(50);
    }
  }

  return {
    available,
    settle,
    mark: async () => {
      others = new Map();
      return (await shop.call<LogCursor | undefined>('server.head')) ?? logStart;
    },
    async windowLag(mark, windowStartEpochMs, settleTimeoutMs = 10_000) {
      const entries = await settle(settleTimeoutMs);
      if (!seenAny) return undefined;
      const events = await shop.call<CommittedEvent[]>('server.events', { after: mark });
      const lags = lagsOf(events, entries);
      const inWindow = (all: (number | undefined)[]): number[] => all.filter((lag, i): lag is number => lag !== undefined && events[i]!.committedAtMs >= windowStartEpochMs);
      return {
        lag: summarizeLatencies(inWindow(lags)),
        heard: summarizeLatencies(inWindow(lagsOf(events, asHeard(entries)))),
        eventsNeverApplied: lags.filter((lag) => lag === undefined).length,
        windowEvents: events.filter((event) => event.committedAtMs >= windowStartEpochMs).length,
        windowBatches: entries.filter(([committedAtMs]) => committedAtMs >= windowStartEpochMs).length,
        others: [...others].map(([name, otherEntries]) => ({ name, lag: summarizeLatencies(inWindow(lagsOf(events, otherEntries))) })).filter((other) => other.lag.count > 0),
      };
    },
  };
}
