#!/usr/bin/env node
// Adds to package-lock.json the platform builds of rollup for other systems. The registry these machines reach
// serves only this platform's, so npm leaves the others out of the lockfile, and `npm ci` then refuses the lock
// as out of sync. The entries carry os/cpu/libc, so npm ci skips them here and installs the right one elsewhere.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const rollup = lock.packages['node_modules/rollup'];
if (rollup === undefined) throw new Error('rollup is not in the lockfile');

const platform = (suffix) => {
  const [os, cpu, abi] = suffix.split('-');
  const cpus = { 'arm-eabi': 'arm', arm: 'arm', arm64: 'arm64', x64: 'x64', ia32: 'ia32', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x' };
  const entry = { os: [os], cpu: [cpus[cpu] ?? cpu] };
  if (os === 'linux') entry.libc = [abi?.startsWith('musl') ? 'musl' : 'glibc'];
  return entry;
};

let added = 0;
for (const [name, version] of Object.entries(rollup.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key] !== undefined) continue;
  const { os, cpu, libc } = platform(name.replace('@rollup/rollup-', '').replace('android-arm-eabi', 'android-arm'));
  lock.packages[key] = { version, cpu, ...(libc ? { libc } : {}), license: 'MIT', optional: true, os, ...(rollup.dev ? { dev: true } : {}) };
  added++;
}
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-foreign-optionals: added ${added} entries`);
