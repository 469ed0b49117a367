// `twofold serve` hands --kv-prefix (or TWOFOLD_KV_PREFIX) to the application, and refuses a bad one before anything opens.
import { afterEach, describe, expect, it } from 'vitest';
import type { ServeOptions } from './serve-options.js';
import { runTwofoldCli, type TwofoldApplication } from './twofold-cli.js';

function recordingApp(): { app: TwofoldApplication; served: ServeOptions[] } {
  const served: ServeOptions[] = [];
  const app: TwofoldApplication = {
    name: 'test app',
    async serve(options) {
      served.push(options);
      // the CLI now waits for a signal: send it one, as an operator's Ctrl-C would
      setImmediate(() => process.emit('SIGTERM'));
      return { url: undefined, close: async () => undefined };
    },
    async migrate() {},
  };
  return { app, served };
}

const silent = { out: () => undefined, err: (line: string) => void errors.push(line) };
let errors: string[] = [];

describe('twofold serve --kv-prefix', () => {
  afterEach(() => {
    delete process.env['TWOFOLD_KV_PREFIX'];
    errors = [];
    process.exitCode = undefined;
  });

  it('passes the flag, else its environment twin, else nothing (the application derives one)', async () => {
    const { app, served } = recordingApp();
    await runTwofoldCli(app, ['node', 'twofold', 'serve', '--kv', 'redis://h', '--kv-prefix', 'shop-eu:'], silent);
    process.env['TWOFOLD_KV_PREFIX'] = 'from-env:';
    await runTwofoldCli(app, ['node', 'twofold', 'serve', '--kv', 'redis://h'], silent);
    delete process.env['TWOFOLD_KV_PREFIX'];
    await runTwofoldCli(app, ['node', 'twofold', 'serve', '--kv', 'redis://h'], silent);
    expect(served.map((options) => options.kvPrefix)).toEqual(['shop-eu:', 'from-env:', undefined]);
  });

  it('refuses a prefix with a glob character, naming the flag, without serving', async () => {
    const { app, served } = recordingApp();
    await runTwofoldCli(app, ['node', 'twofold', 'serve', '--kv-prefix', 'shop*'], silent);
    expect(served).toEqual([]);
    expect(process.exitCode).toBe(2);
    expect(errors.join('\n')).toMatch(/--kv-prefix must be/);
  });
});
