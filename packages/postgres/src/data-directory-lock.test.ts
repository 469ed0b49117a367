import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryInUse, lockDataDirectory } from './data-directory-lock.js';

describe('lockDataDirectory', () => {
  let parent: string;
  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'twofold-lock-unit-'));
  });
  afterEach(() => rm(parent, { recursive: true, force: true }));
  const lockFile = () => join(parent, '.data.twofold.lock');
  const holdAs = (pid: number, host = hostname()) => writeFile(lockFile(), JSON.stringify({ pid, hostname: host, since: '2026-01-01T00:00:00Z' }));

  it('is exclusive until released, then free again', async () => {
    const lock = await lockDataDirectory(join(parent, 'data'));
    await expect(lockDataDirectory(join(parent, 'data'))).rejects.toBeInstanceOf(DirectoryInUse);
    await lock.release();
    await (await lockDataDirectory(join(parent, 'data'))).release();
  });

  it('refuses while a live process holds it, naming that process', async () => {
    await holdAs(process.ppid);
    await expect(lockDataDirectory(join(parent, 'data'))).rejects.toThrow(new RegExp(`in use by process ${process.ppid}`));
  });

  it('takes over a lock whose process is gone', async () => {
    await holdAs(2 ** 22 + 12_345); // above Linux's pid_max: no such process
    const lock = await lockDataDirectory(join(parent, 'data'));
    expect(JSON.parse(await readFile(lockFile(), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('never takes over another host’s lock, which it cannot check', async () => {
    await holdAs(2 ** 22 + 12_345, 'elsewhere');
    await expect(lockDataDirectory(join(parent, 'data'))).rejects.toBeInstanceOf(DirectoryInUse);
  });

  it('releases only its own lock', async () => {
    const lock = await lockDataDirectory(join(parent, 'data'));
    await holdAs(process.ppid);
    await lock.release();
    expect(JSON.parse(await readFile(lockFile(), 'utf8')).pid).toBe(process.ppid);
  });
});
