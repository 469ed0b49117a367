#!/usr/bin/env node
// `npm run test:history -- --ops N [--kills K] [--projector-kills K] [--concurrency C] [--seed S]`: a long run of the consistency history
// checker (apps/shop/test/faults/history), through the same test file CI runs short. Default kills: one per 1,000 operations, of the
// server in the one-process run and of the projector process in the other.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { ops: { type: 'string', default: '10000' }, kills: { type: 'string' }, 'projector-kills': { type: 'string' }, concurrency: { type: 'string' }, seed: { type: 'string' } },
});
const count = (name, value) => {
  if (!/^[0-9]+$/.test(value)) throw new Error(`--${name} must be a whole number, not ${value}`);
  return value;
};
const ops = count('ops', values.ops);
const env = {
  ...process.env,
  TWOFOLD_HISTORY_OPS: ops,
  TWOFOLD_HISTORY_KILLS: count('kills', values.kills ?? String(Math.max(2, Math.round(Number(ops) / 1_000)))),
  TWOFOLD_HISTORY_PROJECTOR_KILLS: count('projector-kills', values['projector-kills'] ?? String(Math.max(2, Math.round(Number(ops) / 1_000)))),
  ...(values.concurrency === undefined ? {} : { TWOFOLD_HISTORY_CONCURRENCY: count('concurrency', values.concurrency) }),
  ...(values.seed === undefined ? {} : { TWOFOLD_HISTORY_SEED: count('seed', values.seed) }),
};
const run = (command, args) => spawnSync(command, args, { stdio: 'inherit', env }).status ?? 1;
const status =
  run('npm', ['run', 'build', '--silent']) ||
  run('npx', ['vitest', 'run', '--project', 'integration', 'apps/shop/test/faults/history/history.int.test.ts', '-t', 'operations with SIGKILLs']);
process.exit(status);
