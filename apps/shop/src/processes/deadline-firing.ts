// Fires the shop's due deadlines from a process that takes commands, and exports their counts and precision as metrics.
import { createDeadlineDispatcher, type CommandProcessor, type DeadlineDispatcher, type EventStore, type Logger } from '@twofold/core';
import { deadlineMetrics, type metricsRoutes } from '@twofold/http';
import { postgresDeadlineStore, type PostgresClient } from '@twofold/postgres';
import { deadlineCommandSender } from './deadline-commands.js';

export interface DeadlineFiringOptions {
  /** The event store's database, where the deadlines are. */
  readonly client: PostgresClient;
  readonly commands: CommandProcessor;
  /** The log the commands append to: whether a re-fired deadline's command took effect before its holder died. */
  readonly eventStore: EventStore;
  /** Longest pause between looks for due deadlines. Default 250 ms. */
  readonly pollIntervalMs?: number;
  readonly logger?: Logger | undefined;
}

/** Starts the dispatcher; every process taking commands runs one, and their lease claims keep each deadline to one of them. */
export function startDeadlineFiring(options: DeadlineFiringOptions): DeadlineDispatcher {
  const dispatcher = createDeadlineDispatcher({
    store: postgresDeadlineStore(options.client),
    send: deadlineCommandSender(options.commands),
    committed: async (commandId) => (await options.eventStore.findCommands?.([commandId]))?.has(commandId) ?? false,
    owner: `pid ${process.pid} ${Math.random().toString(36).slice(2, 10)}`,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  dispatcher.start();
  return dispatcher;
}

/** Deadline counts (from the database: every process's) and, when this process fires them, how late each fired. */
export function shopDeadlineMetrics(registry: ReturnType<typeof metricsRoutes>, client: PostgresClient, dispatcher: DeadlineDispatcher | undefined): void {
  deadlineMetrics(registry, { store: postgresDeadlineStore(client), ...(dispatcher === undefined ? {} : { dispatcher }) });
}
