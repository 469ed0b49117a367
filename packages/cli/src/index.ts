// @twofold/cli: the `twofold` command line, for any application built with Twofold.
export { createTwofoldCli, runTwofoldCli } from './twofold-cli.js';
export type { CliIo, StoreOptions, TwofoldApplication } from './twofold-cli.js';
export type { RunningServer } from './serve-command.js';
export { OptionError, checkBusUrl, checkExposure, checkKvPrefix, parsePort, parseRoles, roles } from './serve-options.js';
export type { Role, ServeOptions } from './serve-options.js';
export { addProjectionCommands } from './projection-commands.js';
export type { DeadLetterRow, ProjectionOperations, ProjectionRow, StoreFlags } from './projection-commands.js';
export { createProgressBar, formatDuration, progressLine } from './progress-bar.js';
export type { ProgressBar, ProgressBarOptions } from './progress-bar.js';
export { addSeedCommand, parseOrderCount, seedFromEnv } from './seed-command.js';
export type { SeedCommandOptions, SeedOperation, SeedRequest, SeedSummary } from './seed-command.js';
