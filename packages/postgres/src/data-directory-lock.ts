// An exclusive lock on an embedded database's directory: PGlite assumes one process, and a second one loses writes.
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export interface DirectoryLock {
  readonly path: string;
  release(): Promise<void>;
}

interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly since: string;
}

/** The directory is in use by a live process. */
export class DirectoryInUse extends Error {
  constructor(
    readonly directory: string,
    readonly holder: LockHolder,
  ) {
    super(
      `${directory} is in use by process ${holder.pid} on ${holder.hostname} (since ${holder.since}): PGlite serves one process at a time. ` +
        'Stop that process, or use PostgreSQL (--store postgres://…) for several.',
    );
    this.name = 'DirectoryInUse';
  }
}

/** Locks this process holds: its pid in a lock file means this process only when listed here. */
const heldHere = new Set<string>();

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.hostname === 'string' ? { pid: holder.pid, hostname: holder.hostname, since: String(holder.since) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `<dir>.lock` beside the directory (the directory itself must stay empty until the database is created in it),
 * created exclusively. A lock whose process is gone (killed, crashed) is stale and taken over; one held by a live
 * process on this host refuses with DirectoryInUse, naming it.
 */
export async function lockDataDirectory(directory: string): Promise<DirectoryLock> {
  const absolute = resolve(directory);
  const path = join(dirname(absolute), `.${basename(absolute)}.twofold.lock`);
  const me: LockHolder = { pid: process.pid, hostname: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(JSON.stringify(me));
      await file.close();
      heldHere.add(path);
      return {
        path,
        async release() {
          if (!heldHere.delete(path)) return;
          const holder = await readHolder(path);
          if (holder?.pid === me.pid && holder.hostname === me.hostname) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(path);
    if (heldHere.has(path)) throw new DirectoryInUse(absolute, holder ?? me);
    // another host's process cannot be checked from here: only a lock of this host can be stale
    // (a holder with this process's own pid is a dead predecessor that had it: a container restarts with the same pid)
    if (holder !== undefined && (holder.hostname !== me.hostname || (holder.pid !== me.pid && isAlive(holder.pid)))) throw new DirectoryInUse(absolute, holder);
    await rm(path, { force: true });
  }
  throw new Error(`could not lock ${absolute}: ${path} keeps reappearing`);
}
