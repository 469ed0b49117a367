// The `twofold` command: parses flags (each with an environment twin) and hands them to an application.
import { Command } from 'commander';
import { addProjectionCommands, type ProjectionOperations } from './projection-commands.js';
import { addSeedCommand, type SeedOperation } from './seed-command.js';
import { addServeCommand, type RunningServer } from './serve-command.js';
import { OptionError, type ServeOptions } from './serve-options.js';
import { addStoreAndKvOptions, addStoreOptions, checkStoreUrls, kvPrefixOf } from './store-options.js';

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
  addServeCommand(program, { name: app.name, out: io.out, err: io.err, serve: (options) => app.serve(options) });
  addMigrateCommand(program, app, io);
  addOfferedCommands(program, app, io);
  return program;
}

function addMigrateCommand(program: Command, app: TwofoldApplication, io: CliIo): void {
  addStoreOptions(program.command('migrate').description('apply the schema migrations to the store (and the read store)')).action(
    async (flags: { store: string; readStore?: string }) => {
      checkStoreUrls(flags);
      await app.migrate({ store: flags.store, readStore: flags.readStore });
      io.out('migrations applied');
    },
  );
}

/** The commands of what the application may offer besides serving and migrating: projections, seed and bench. */
function addOfferedCommands(program: Command, app: TwofoldApplication, io: CliIo): void {
  const openProjections = app.openProjections?.bind(app);
  if (openProjections !== undefined) {
    addProjectionCommands(program, {
      out: io.out,
      storeOptions: addStoreAndKvOptions,
      open: async (flags) => {
        checkStoreUrls(flags);
        return openProjections({ store: flags.store, readStore: flags.readStore, kv: flags.kv, kvPrefix: kvPrefixOf(flags.kvPrefix) });
      },
    });
  }

  const seed = app.seed?.bind(app);
  if (seed !== undefined) {
    addSeedCommand(program, {
      out: io.out,
      storeOptions: addStoreOptions,
      seed: async (options) => {
        checkStoreUrls(options);
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
