// Progress of a run on stderr: one line per step, rewritten in place on a terminal.

export interface Progress {
  /** Step `done` of `total` of a benchmark is starting, doing `what`. */
  step(benchmark: string, done: number, total: number, what: string): void;
  note(text: string): void;
  /** Ends the line being rewritten. */
  end(): void;
}

export const silentProgress: Progress = { step: () => undefined, note: () => undefined, end: () => undefined };

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const live = stream.isTTY === true;
  let open = false;
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
  const write = (line: string): void => {
    if (live) {
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
      open = true;
    } else stream.write(`${line}\n`);
  };
  return {
    step(benchmark, done, total, what) {
      const width = 20;
      const filled = total <= 0 ? 0 : Math.round((done / total) * width);
      write(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${benchmark} ${done}/${total} ${what} (${elapsed()})`);
    },
    note(text) {
      write(`${text} (${elapsed()})`);
    },
    end() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}
