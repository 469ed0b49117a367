// Test helper: a PostgreSQL primary and a streaming replica of the test's own (Debian's PostgreSQL 15 binaries, run as
// the postgres user, on free loopback ports and data directories under a temporary directory), removed at the end.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const bin = process.env['TWOFOLD_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

export interface PostgresPair {
  /** postgres://postgres@127.0.0.1:<port>/<database> on the primary and on the replica. */
  primaryUrl(database: string): string;
  replicaUrl(database: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function untilReady(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '1']);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} did not start in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Starts a primary and a replica streaming from it; rejects when the binaries are missing or a server does not come up. */
export async function startPostgresPair(): Promise<PostgresPair> {
  const root = await mkdtemp(join(tmpdir(), 'twofold-pg-'));
  const user = await postgresUser();
  if (user !== undefined) await chown(root, user.uid, user.gid);
  const asPostgres = user === undefined ? {} : user;
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const servers: ChildProcess[] = [];
  const startServer = (dir: string, port: number): void => {
    const child = spawn(join(bin, 'postgres'), ['-D', dir, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100'], {
      ...asPostgres,
      stdio: 'ignore',
    });
    servers.push(child);
  };
  const stop = async (): Promise<void> => {
    await Promise.all(
      servers.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGINT');
          }),
      ),
    );
    await rm(root, { recursive: true, force: true });
  };
  try {
    await run(join(bin, 'initdb'), ['-D', join(root, 'primary'), '-A', 'trust', '-U', 'postgres', '--no-sync'], asPostgres);
    startServer(join(root, 'primary'), primaryPort);
    await untilReady(primaryPort);
    await run(join(bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', join(root, 'replica'), '-R', '-X', 'stream', '--no-sync'], asPostgres);
    startServer(join(root, 'replica'), replicaPort);
    await untilReady(replicaPort);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    primaryUrl: (database) => `postgres://postgres@127.0.0.1:${primaryPort}/${database}`,
    replicaUrl: (database) => `postgres://postgres@127.0.0.1:${replicaPort}/${database}`,
    stop,
  };
}
