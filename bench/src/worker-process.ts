// A benchmark worker: a child Node process that runs one system, called over IPC, so systems never share a process.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Worker {
  readonly pid: number;
  /** Calls `method` in the worker; rejects if it has not answered after `timeoutMs` (default 5 minutes). */
  call<Result>(method: string, params?: unknown, timeoutMs?: number): Promise<Result>;
  /** Asks the worker to clean up and exit; kills it if it has not exited after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

interface Reply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

/** The compiled worker entry: next to this file when it runs from dist, in dist when it runs from source (tests). */
export function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const entry = here.endsWith('.ts') ? join(dirname(here), '..', 'dist', 'worker.js') : join(dirname(here), 'worker.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npm run build)`);
  return entry;
}

/**
 * Forks a worker. `TWOFOLD_BENCH_WORKER_NODE_ARGS` passes Node options to every worker, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the systems under load.
 */
export async function startWorker(label: string): Promise<Worker> {
  const execArgv = (process.env['TWOFOLD_BENCH_WORKER_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
  const child: ChildProcess = fork(workerEntry(), [label], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; method: string }>();
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      for (const { reject, method } of pending.values()) reject(new Error(`worker ${label} exited (${signal ?? code}) during ${method}`));
      pending.clear();
      resolve();
    });
  });
  child.on('message', (message: Reply) => {
    const call = pending.get(message.id);
    if (call === undefined) return;
    pending.delete(message.id);
    if (message.error !== undefined) call.reject(new Error(`worker ${label}, ${call.method}: ${message.error}`));
    else call.resolve(message.result);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const call = <Result>(method: string, params?: unknown, timeoutMs = 300_000): Promise<Result> => {
    if (exited) return Promise.reject(new Error(`worker ${label} has exited`));
    const id = nextId++;
    return new Promise<Result>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`worker ${label} did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = <T>(fn: (value: T) => void) => (value: T): void => {
        clearTimeout(timer);
        fn(value);
      };
      pending.set(id, { resolve: settle(resolve as (value: unknown) => void), reject: settle(reject), method });
      child.send({ id, method, params });
    });
  };
  return {
    pid: child.pid ?? 0,
    call,
    async close(graceMs = 10_000) {
      if (exited) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await call('exit').catch(() => undefined);
      await exit;
      clearTimeout(timer);
    },
  };
}
