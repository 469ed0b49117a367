// `twofold serve`: runs the application's server until a signal, then stops it within a deadline.
import { Option, type Command } from 'commander';
import { seedFromEnv } from './seed-command.js';
import { OptionError, checkBusUrl, checkExposure, parsePort, parseRoles, type ServeOptions } from './serve-options.js';
import { addStoreAndKvOptions, checkStoreUrls, kvPrefixOf } from './store-options.js';

export interface RunningServer {
  /** Where it listens, e.g. http://127.0.0.1:3000, or undefined for a process with no HTTP role. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

export interface ServeCommandOptions {
  /** The application's name, for the line that says it serves. */
  readonly name: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly serve: (options: ServeOptions) => Promise<RunningServer>;
}

interface ServeFlags {
  readonly store: string;
  readonly readStore?: string;
  readonly kv?: string;
  readonly kvPrefix?: string;
  readonly bus?: string;
  readonly role: string;
  readonly port: string;
  readonly host: string;
  readonly seed: boolean;
}

export function addServeCommand(program: Command, options: ServeCommandOptions): void {
  const { name, out, err, serve } = options;
  addStoreAndKvOptions(program.command('serve').description('run the HTTP API, the projection daemon, or both'))
    .addOption(new Option('--bus <url>', 'JetStream carrier, nats://host:port[,host:port…]').env('TWOFOLD_BUS'))
    .addOption(new Option('--role <roles>', 'all, or a comma list of command, query, projector, relay (all includes relay when --bus is given)').env('TWOFOLD_ROLE').default('all'))
    .addOption(new Option('--port <port>', 'HTTP port').env('PORT').default('3000'))
    .addOption(new Option('--host <host>', 'HTTP host').env('HOST').default('127.0.0.1'))
    .addOption(new Option('--no-seed', 'do not seed demo data into a store with no events (env TWOFOLD_SEED=0)'))
    .action(async (flags: ServeFlags) => {
      const serveOptions = checkedServeOptions(flags);
      const deadlineMs = shutdownDeadlineMs(process.env);
      const server = await serve(serveOptions);
      out(`${name} serving${server.url === undefined ? '' : ` on ${server.url}`} (roles: ${[...serveOptions.roles].join(', ')}; store: ${redact(serveOptions.store)})`);
      await untilSignalled();
      out('shutting down');
      await closeByDeadline(server, deadlineMs, err);
      out('stopped');
    });
}

/** The flags (and TWOFOLD_API_KEYS, TWOFOLD_SEED) as ServeOptions, every one checked before anything opens. */
function checkedServeOptions(flags: ServeFlags): ServeOptions {
  const options: ServeOptions = {
    store: flags.store,
    readStore: flags.readStore,
    kv: flags.kv,
    kvPrefix: kvPrefixOf(flags.kvPrefix),
    bus: flags.bus,
    roles: parseRoles(flags.role, { bus: flags.bus !== undefined }),
    port: parsePort(flags.port),
    host: flags.host,
    apiKeys: process.env.TWOFOLD_API_KEYS,
    seed: flags.seed && seedFromEnv(process.env.TWOFOLD_SEED),
  };
  checkStoreUrls(options);
  if (options.bus !== undefined) checkBusUrl(options.bus);
  checkExposure(options.host, options.apiKeys);
  return options;
}

/** Closes the server; whatever hangs, the process ends by the deadline (an orchestrator kills it soon after), and a second signal ends it now. */
async function closeByDeadline(server: RunningServer, deadlineMs: number, err: (line: string) => void): Promise<void> {
  const exitNow = (why: string): void => {
    err(`twofold: ${why}; exiting now`);
    process.exit(1);
  };
  const deadline = setTimeout(() => exitNow(`still shutting down after ${deadlineMs} ms`), deadlineMs);
  deadline.unref();
  const secondSignal = (): void => exitNow('signalled again while shutting down');
  process.once('SIGINT', secondSignal).once('SIGTERM', secondSignal);
  try {
    await server.close();
  } finally {
    // stopped: a later signal is someone else's (a process that serves again), and the deadline is moot
    clearTimeout(deadline);
    process.off('SIGINT', secondSignal).off('SIGTERM', secondSignal);
  }
}

/** TWOFOLD_SHUTDOWN_TIMEOUT_MS: how long a signalled server may take to stop before it exits anyway (default 9,000 ms). */
export function shutdownDeadlineMs(env: NodeJS.ProcessEnv): number {
  const value = env['TWOFOLD_SHUTDOWN_TIMEOUT_MS'];
  if (value === undefined || value === '') return 9_000;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new OptionError(`TWOFOLD_SHUTDOWN_TIMEOUT_MS must be a positive integer, not "${value}"`);
  return Number(value);
}

const redact = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

const untilSignalled = (): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
