// Test helper: runs `twofold serve` as a child process (the built bin) and tells where it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../dist/bin/twofold.js', import.meta.url));

export interface ShopProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnShop(args: readonly string[], env: Record<string, string> = {}): Promise<ShopProcess> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], {
    // the suite's stores start empty: no demo data unless a test asks for it
    env: { ...process.env, TWOFOLD_SEED: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`shop did not start in 30 s:\n${output}`)), 30_000);
    const check = (): void => {
      const match = /serving(?: on (http:\/\/[^\s]+))? \(/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? '');
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`shop exited with ${code} before serving:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
