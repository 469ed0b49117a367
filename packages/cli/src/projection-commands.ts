// `twofold projections …`: list, pause, resume, rebuild (with a progress bar), and dead letters, straight on the stores.
import type { Command } from 'commander';
import { createProgressBar } from './progress-bar.js';

/** One projection as the CLI lists it. */
export interface ProjectionRow {
  readonly name: string;
  readonly version: number | null;
  readonly status: string;
  readonly position: number;
  readonly lagEvents: number;
  readonly lagMs: number;
  readonly deadLetters: number;
  readonly rebuild: { readonly generation: number; readonly position: number } | null;
}

export interface DeadLetterRow {
  readonly id: string;
  readonly error: string;
  readonly parkedAt: Date;
  readonly event: { readonly type: string; readonly streamId: string; readonly globalPosition: number };
}

/** What an application offers the CLI for its projections; opened per command, closed after. */
export interface ProjectionOperations {
  list(): Promise<{ readonly headPosition: number; readonly projections: readonly ProjectionRow[] }>;
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  rebuild(name: string): Promise<void>;
  deadLetters(name: string): Promise<readonly DeadLetterRow[]>;
  retryDeadLetters(name: string): Promise<void>;
  dropDeadLetters(name: string): Promise<number>;
  close(): Promise<void>;
}

/** Where the projections live: the stores' flags, as parsed. */
export interface StoreFlags {
  readonly store: string;
  readonly readStore?: string;
  readonly kv?: string;
  readonly kvPrefix?: string;
}

export interface ProjectionCommandsContext {
  readonly open: (flags: StoreFlags) => Promise<ProjectionOperations>;
  readonly out: (line: string) => void;
  readonly storeOptions: (command: Command) => Command;
  readonly pollIntervalMs?: number;
}

const table = (rows: readonly (readonly string[])[]): string[] => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
};

/** Shows a rebuild's progress until readers switch to it; warns once when it stops moving for 10 s. */
async function followRebuild(ops: ProjectionOperations, name: string, out: (line: string) => void, pollIntervalMs: number): Promise<void> {
  const bar = createProgressBar({ label: `rebuilding ${name}` });
  let lastProgress = Date.now();
  let lastPosition = -1;
  let warned = false;
  for (;;) {
    const { headPosition, projections: rows } = await ops.list();
    const row = rows.find((p) => p.name === name);
    if (row === undefined || row.rebuild === null) {
      bar.finish(`done, readers switched at position ${row?.position ?? headPosition}`);
      return;
    }
    bar.update(row.rebuild.position, Math.max(headPosition, row.rebuild.position));
    if (row.rebuild.position !== lastPosition) {
      lastPosition = row.rebuild.position;
      lastProgress = Date.now();
    } else if (!warned && Date.now() - lastProgress > 10_000) {
      warned = true;
      out(`\nno progress for 10 s: is a projector running? (twofold serve --role projector)`);
    }
    await new Promise((r) => setTimeout(r, pollIntervalMs));
  }
}

export function addProjectionCommands(program: Command, context: ProjectionCommandsContext): void {
  const { open, out, storeOptions, pollIntervalMs = 500 } = context;
  const projections = program.command('projections').description('list, pause, resume, rebuild projections; manage their dead letters');
  const withOps = async <T>(flags: StoreFlags, run: (ops: ProjectionOperations) => Promise<T>): Promise<T> => {
    const ops = await open(flags);
    try {
      return await run(ops);
    } finally {
      await ops.close();
    }
  };

  storeOptions(projections.command('list').description('every projection: status, position, lag, dead letters')).action(async (flags) =>
    withOps(flags, async (ops) => {
      const { headPosition, projections: rows } = await ops.list();
      out(`head position ${headPosition}`);
      const lines = table([
        ['NAME', 'VERSION', 'STATUS', 'POSITION', 'LAG', 'LAG MS', 'DEAD', 'REBUILD'],
        ...rows.map((p) => [
          p.name,
          String(p.version ?? '-'),
          p.status,
          String(p.position),
          String(p.lagEvents),
          String(p.lagMs),
          String(p.deadLetters),
          p.rebuild === null ? '-' : `gen ${p.rebuild.generation} at ${p.rebuild.position}`,
        ]),
      ]);
      lines.forEach((line) => out(line));
    }),
  );

  for (const [verb, description] of [
    ['pause', 'stop applying events until resumed'],
    ['resume', 'resume a paused (or stopped-on-poison) projection'],
  ] as const) {
    storeOptions(projections.command(`${verb} <name>`).description(description)).action(async (name: string, flags) =>
      withOps(flags, async (ops) => {
        await ops[verb](name);
        out(`${name}: ${verb === 'pause' ? 'paused' : 'resumed'}`);
      }),
    );
  }

  storeOptions(
    projections
      .command('rebuild <name>')
      .description('build the projection anew beside the live one; readers switch when it has caught up')
      .option('--no-wait', 'ask for the rebuild and return at once'),
  ).action(async (name: string, flags: StoreFlags & { wait: boolean }) =>
    withOps(flags, async (ops) => {
      await ops.rebuild(name);
      if (!flags.wait) return out(`${name}: rebuild requested; a running projector builds it`);
      await followRebuild(ops, name, out, pollIntervalMs);
    }),
  );

  const deadLetters = projections.command('dead-letters').description('events a projection parked because it could not apply them');
  storeOptions(deadLetters.command('list <name>').description('list parked events')).action(async (name: string, flags) =>
    withOps(flags, async (ops) => {
      const letters = await ops.deadLetters(name);
      if (letters.length === 0) return out(`${name}: no dead letters`);
      table([
        ['ID', 'POSITION', 'STREAM', 'TYPE', 'PARKED AT', 'ERROR'],
        ...letters.map((l) => [l.id, String(l.event.globalPosition), l.event.streamId, l.event.type, l.parkedAt.toISOString(), l.error]),
      ]).forEach((line) => out(line));
    }),
  );
  storeOptions(deadLetters.command('retry <name>').description('apply the parked events again, in order (after a fix)')).action(async (name: string, flags) =>
    withOps(flags, async (ops) => {
      await ops.retryDeadLetters(name);
      out(`${name}: retry requested; the projector holding ${name} applies them`);
    }),
  );
  storeOptions(deadLetters.command('drop <name>').description('drop the parked events for good (they stay in the event store)')).action(async (name: string, flags) =>
    withOps(flags, async (ops) => out(`${name}: dropped ${await ops.dropDeadLetters(name)} dead letters`)),
  );
}
