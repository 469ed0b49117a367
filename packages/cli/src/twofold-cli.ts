// The `twofold` command: parses flags (each with an environment twin) and hands them to an application.
import { Command, Option } from 'commander';
import { addProjectionCommands, type ProjectionOperations } from './projection-commands.js';
import { OptionError, checkBusUrl, checkExposure, checkStoreUrl, parsePort, parseRoles, type ServeOptions } from './serve-options.js';

export interface RunningServer {
  /** Where it listens, e.g. http://127.0.0.1:3000, or undefined for a process with no HTTP role. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

export interface StoreOptions {
  readonly store: string;
  readonly readStore: string | undefined;
}

/** What an application built with Twofold provides to the command line. */
export interface TwofoldApplication {
  readonly name: string;
  serve(options: ServeOptions): Promise<RunningServer>;
  migrate(options: StoreOptions): Promise<void>;
  /** Operations on the application's projections, for `twofold projections …`. */
  openProjections?(options: StoreOptions): Promise<ProjectionOperations>;
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

  program
    .command('serve')
    .description('run the HTTP API, the projection daemon, or both')
    .addOption(storeOption())
    .addOption(readStoreOption())
    .addOption(new Option('--kv <url>', 'key-value read models, redis://…').env('TWOFOLD_KV'))
    .addOption(new Option('--bus <url>', 'JetStream carrier, nats://host:port[,host:port…]').env('TWOFOLD_BUS'))
    .addOption(new Option('--role <roles>', 'all, or a comma list of command, query, projector, relay (all includes relay when --bus is given)').env('TWOFOLD_ROLE').default('all'))
    .addOption(new Option('--port <port>', 'HTTP port').env('PORT').default('3000'))
    .addOption(new Option('--host <host>', 'HTTP host').env('HOST').default('127.0.0.1'))
    .action(async (flags: { store: string; readStore?: string; kv?: string; bus?: string; role: string; port: string; host: string }) => {
      const options: ServeOptions = {
        store: flags.store,
        readStore: flags.readStore,
        kv: flags.kv,
        bus: flags.bus,
        roles: parseRoles(flags.role, { bus: flags.bus !== undefined }),
        port: parsePort(flags.port),
        host: flags.host,
        apiKeys: process.env.TWOFOLD_API_KEYS,
      };
      checkStoreUrl('--store', options.store);
      if (options.readStore !== undefined) checkStoreUrl('--read-store', options.readStore);
      if (options.bus !== undefined) checkBusUrl(options.bus);
      checkExposure(options.host, options.apiKeys);
      const server = await app.serve(options);
      io.out(`${app.name} serving${server.url === undefined ? '' : ` on ${server.url}`} (roles: ${[...options.roles].join(', ')}; store: ${redact(options.store)})`);
      await untilSignalled();
      io.out('shutting down');
      await server.close();
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
      storeOptions: (command) => command.addOption(storeOption()).addOption(readStoreOption()),
      open: async (flags) => {
        checkStoreUrl('--store', flags.store);
        if (flags.readStore !== undefined) checkStoreUrl('--read-store', flags.readStore);
        return openProjections({ store: flags.store, readStore: flags.readStore });
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
