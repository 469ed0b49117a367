// A progress bar for long work (rebuild, seed, bench): done / total, rate and ETA; plain lines when not on a terminal.

export interface ProgressBar {
  update(done: number, total: number): void;
  finish(message: string): void;
}

export interface ProgressBarOptions {
  readonly label: string;
  readonly unit?: string;
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly now?: () => number;
  /** How often a line is written when the stream is not a terminal. */
  readonly plainEveryMs?: number;
}

export const formatDuration = (ms: number): string => {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : seconds < 3600 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
};

/** The text of one update: `label [####······] 45% 45,000/100,000 events · 12,000 events/s · ETA 5s`. */
export function progressLine(label: string, unit: string, done: number, total: number, elapsedMs: number, width = 24): string {
  const fraction = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.floor(fraction * width);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? ((total - done) / rate) * 1000 : Number.NaN;
  const number = (n: number) => Math.round(n).toLocaleString('en-US');
  return `${label} [${'#'.repeat(filled)}${'·'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% ${number(done)}/${number(total)} ${unit} · ${number(rate)} ${unit}/s · ETA ${formatDuration(eta)}`;
}

export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const { label, unit = 'events', stream = process.stderr, now = Date.now, plainEveryMs = 2000 } = options;
  const started = now();
  let lastPlain = Number.NEGATIVE_INFINITY;
  const tty = stream.isTTY === true;
  return {
    update(done, total) {
      const line = progressLine(label, unit, done, total, now() - started);
      if (tty) stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
      else if (now() - lastPlain >= plainEveryMs) {
        lastPlain = now();
        stream.write(`${line}\n`);
      }
    },
    finish(message) {
      stream.write(`${tty ? '\r\x1b[K' : ''}${label}: ${message} in ${formatDuration(now() - started)}\n`);
    },
  };
}
