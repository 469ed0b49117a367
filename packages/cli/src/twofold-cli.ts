// The `twofold` command: parses flags (each with an environment twin) and hands them to an application.
import { Command, Option } from 'commander';
import { addProjectionCommands, type ProjectionOperations } from './projection-commands.js';
import { addSeedCommand, seedFromEnv, type SeedOperation } from './seed-command.js';
import { OptionError, checkBusUrl, checkExposure, checkKvPrefix, checkStoreUrl, parsePort, parseRoles, type ServeOptions } from './serve-options.js';

export interface RunningServer {
  /** Where it listens, e.g. http://127.0.0.1:3000, or undefined for a process with no HTTP role. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

export interface StoreOptions {
  readonly store: string;
  readonly readStore: string | undefined;
  /** Redis of the key-value read models, for the projection commands. */
  readonly kv?: string | undefined;
  readonly kvPrefix?: string | undefined;
}

/** What an application built with Twofold provides to the command line. */
export interface TwofoldApplication {
  readonly name: string;
  serve(options: ServeOptions): Promise<RunningServer>;
  migrate(options: StoreOptions): Promise<void>;
  /** Operations on the application's projections, for `twofold projections …`. */
  openProjections?(options: StoreOptions): Promise<ProjectionOperations>;
  /** Adds demo data through the command path, for `twofold seed`. */
  seed?: SeedOperation;
  /** Runs the benchmark suite with these arguments; resolves to the exit code. */
  bench?(args: readonly string[]): Promise<number>;
}

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const defaultIo: CliIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };

export function createTwofoldCli(app: TwofoldApplication, io: CliIo = defaultIo): Command {
  const program = new Command('twofold').description(`${app.name}: CQRS and event sourcing on Node.js`).showHelpAfterError();
  program.configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const storeOption = () => new Option('--store <url>', 'write side: pglite:DIR, pglite:memory or postgres://…').env('TWOFOLD_STORE').default('pglite:./data');
  const readStoreOption = () => new Option('--read-store <url>', 'read models (default: the store)').env('TWOFOLD_READ_STORE');
  const kvOption = () => new Option('--kv <url>', 'key-value read models, redis://…').env('TWOFOLD_KV');
  const kvPrefixOption = () =>
    new Option('--kv-prefix <prefix>', "prefix of every Redis key, one per deployment (default: derived from the store's identity)").env('TWOFOLD_KV_PREFIX');

  program
    .command('serve')
    .description('run the HTTP API, the projection daemon, or both')
    .addOption(storeOption())
    .addOption(readStoreOption())
    .addOption(kvOption())
    .addOption(kvPrefixOption())
    .addOption(new Option('--bus <url>', 'JetStream carrier, nats://host:port[,host:port…]').env('TWOFOLD_BUS'))
    .addOption(new Option('--role <roles>', 'all, or a comma list of command, query, projector, relay (all includes relay when --bus is given)').env('TWOFOLD_ROLE').default('all'))
    .addOption(new Option('--port <port>', 'HTTP port').env('PORT').default('3000'))
    .addOption(new Option('--host <host>', 'HTTP host').env('HOST').default('127.0.0.1'))
    .addOption(new Option('--no-seed', 'do not seed demo data into a store with no events (env TWOFOLD_SEED=0)'))
    .action(async (flags: { store: string; readStore?: string; kv?: string; kvPrefix?: string; bus?: string; role: string; port: string; host: string; seed: boolean }) => {
      const options: ServeOptions = {
        store: flags.store,
        readStore: flags.readStore,
        kv: flags.kv,
        kvPrefix: flags.kvPrefix === undefined ? undefined : checkKvPrefix(flags.kvPrefix),
        bus: flags.bus,
        roles: parseRoles(flags.role, { bus: flags.bus !== undefined }),
        port: parsePort(flags.port),
        host: flags.host,
        apiKeys: process.env.TWOFOLD_API_KEYS,
        seed: flags.seed && seedFromEnv(process.env.TWOFOLD_SEED),
      };
      checkStoreUrl('--store', options.store);
      if (options.readStore !== undefined) checkStoreUrl('--read-store', options.readStore);
      if (options.bus !== undefined) checkBusUrl(options.bus);
      checkExposure(options.host, options.apiKeys);
      const deadlineMs = shutdownDeadlineMs(process.env);
      const server = await app.serve(options);
      io.out(`${app.name} serving${server.url === undefined ? '' : ` on ${server.url}`} (roles: ${[...options.roles].join(', ')}; store: ${redact(options.store)})`);
      await untilSignalled();
      io.out('shutting down');
      // whatever hangs, the process ends by the deadline (an orchestrator kills it soon after); a second signal ends it now
      const exitNow = (why: string): void => {
        io.err(`twofold: ${why}; exiting now`);
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
      io.out('stopped');
    });

  program
    .command('migrate')
    .description('apply the schema migrations to the store (and the read store)')
    .addOption(storeOption())
    .addOption(readStoreOption())
    .action(async (flags: { store: string; readStore?: string }) => {
      checkStoreUrl('--store', flags.store);
      if (flags.readStore !== undefined) checkStoreUrl('--read-store', flags.readStore);
      await app.migrate({ store: flags.store, readStore: flags.readStore });
      io.out('migrations applied');
    });

  const openProjections = app.openProjections?.bind(app);
  if (openProjections !== undefined) {
    addProjectionCommands(program, {
      out: io.out,
      storeOptions: (command) => command.addOption(storeOption()).addOption(readStoreOption()).addOption(kvOption()).addOption(kvPrefixOption()),
      open: async (flags) => {
        checkStoreUrl('--store', flags.store);
        if (flags.readStore !== undefined) checkStoreUrl('--read-store', flags.readStore);
        return openProjections({
          store: flags.store,
          readStore: flags.readStore,
          kv: flags.kv,
          kvPrefix: flags.kvPrefix === undefined ? undefined : checkKvPrefix(flags.kvPrefix),
        });
      },
    });
  }

  const seed = app.seed?.bind(app);
  if (seed !== undefined) {
    addSeedCommand(program, {
      out: io.out,
      storeOptions: (command) => command.addOption(storeOption()).addOption(readStoreOption()),
      seed: async (options) => {
        checkStoreUrl('--store', options.store);
        if (options.readStore !== undefined) checkStoreUrl('--read-store', options.readStore);
        return seed(options);
      },
    });
  }

  const bench = app.bench?.bind(app);
  if (bench !== undefined) {
    program
      .command('bench')
      .description('run the benchmark suite against the local PostgreSQL (--quick for a short run)')
      .allowUnknownOption()
      .helpOption(false)
      .argument('[args...]')
      .action(async (args: string[]) => {
        process.exitCode = await bench(args);
      });
  }

  return program;
}

/** Runs the CLI; a bad option or a failure prints one clear line and exits non-zero. */
export async function runTwofoldCli(app: TwofoldApplication, argv: readonly string[] = process.argv, io: CliIo = defaultIo): Promise<void> {
  try {
    await createTwofoldCli(app, io).parseAsync([...argv]);
  } catch (error) {
    io.err(`twofold: ${error instanceof Error ? error.message : String(error)}`);
    if (!(error instanceof OptionError) && process.env.TWOFOLD_DEBUG) io.err(String((error as Error).stack));
    process.exitCode = error instanceof OptionError ? 2 : 1;
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
