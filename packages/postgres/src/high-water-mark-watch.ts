// Watches the high-water mark and logs who holds it (and so every reader) back, once per episode: when it starts and when it ends.
import { silentLogger, type Logger } from '@twofold/core';
import { highWaterMark, type HighWaterMarkHolder, type HighWaterMark } from './high-water-mark.js';
import type { SqlSession } from './sql-client.js';

export interface HighWaterMarkWatchOptions {
  readonly logger?: Logger;
  /** A transaction open longer than this counts as holding readers back (default 1,000 ms). */
  readonly thresholdMs?: number;
  /** How often the server is asked (default 1,000 ms). */
  readonly intervalMs?: number;
}

export interface HighWaterMarkWatch {
  /** The last reading, or undefined before the first. */
  latest(): HighWaterMark | undefined;
  stop(): void;
}

const describeHolder = (holder: HighWaterMarkHolder | undefined) => ({
  holderPid: holder?.pid,
  holderApplication: holder?.applicationName,
  holderState: holder?.state,
  holderTransactionStartedAt: holder?.transactionStartedAt?.toISOString(),
  holderClientAddress: holder?.clientAddress,
});

/** One episode is one holder's transaction (pid and start time): a warning when it passes the threshold, a note when it ends. */
export function watchHighWaterMark(session: SqlSession, options: HighWaterMarkWatchOptions = {}): HighWaterMarkWatch {
  const { logger = silentLogger, thresholdMs = 1_000, intervalMs = 1_000 } = options;
  let latest: HighWaterMark | undefined;
  let episode: { key: string; holder: HighWaterMarkHolder | undefined; since: number } | undefined;
  let checking = false;

  async function check(): Promise<void> {
    if (checking) return;
    checking = true;
    try {
      const reading = await highWaterMark(session);
      latest = reading;
      const holding = reading.oldestOpenTransactionAgeMs >= thresholdMs;
      const key = holding ? `${reading.holder?.pid ?? 'prepared'} ${reading.holder?.transactionStartedAt?.getTime() ?? ''}` : undefined;
      if (episode !== undefined && episode.key !== key) {
        logger.info({ ...describeHolder(episode.holder), heldBackMs: Date.now() - episode.since }, 'readers no longer held back by that transaction');
        episode = undefined;
      }
      if (key !== undefined && episode === undefined) {
        episode = { key, holder: reading.holder, since: Date.now() - reading.oldestOpenTransactionAgeMs };
        logger.warn(
          { ...describeHolder(reading.holder), openForMs: Math.round(reading.oldestOpenTransactionAgeMs), eventsCommittedButInvisible: reading.eventsCommittedButInvisible },
          'readers held back: an open transaction hides every event committed after it began from every projection and token read',
        );
      }
    } catch {
      // the server is unreachable: health and the stores say so; the next tick tries again
    } finally {
      checking = false;
    }
  }

  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  void check();
  return {
    latest: () => latest,
    stop: () => clearInterval(timer),
  };
}
