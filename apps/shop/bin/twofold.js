#!/usr/bin/env node
// The `twofold` command: runs the built CLI, building the workspace first on a fresh clone where `npm ci` left no dist/.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin/twofold.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    console.error(`twofold: ${fileURLToPath(built)} is missing and TypeScript is not installed to build it; run \`npm ci && npm run build\` in ${root}`);
    process.exit(1);
  }
  console.error('twofold: building the workspace once (npm run build)…');
  execFileSync(process.execPath, [tsc, '-b', root], { stdio: ['ignore', 'inherit', 'inherit'] });
}
await import(built.href);
