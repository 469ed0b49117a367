// The flags that name the stores, each with its environment twin, shared by every command that opens them.
import { Option, type Command } from 'commander';
import { checkKvPrefix, checkStoreUrl } from './serve-options.js';

const storeOption = (): Option => new Option('--store <url>', 'write side: pglite:DIR, pglite:memory or postgres://…').env('TWOFOLD_STORE').default('pglite:./data');
const readStoreOption = (): Option => new Option('--read-store <url>', 'read models (default: the store)').env('TWOFOLD_READ_STORE');
const kvOption = (): Option => new Option('--kv <url>', 'key-value read models, redis://…').env('TWOFOLD_KV');
const kvPrefixOption = (): Option =>
  new Option('--kv-prefix <prefix>', "prefix of every Redis key, one per deployment (default: derived from the store's identity)").env('TWOFOLD_KV_PREFIX');

/** `--store` and `--read-store`. */
export const addStoreOptions = (command: Command): Command => command.addOption(storeOption()).addOption(readStoreOption());

/** `--store`, `--read-store`, `--kv` and `--kv-prefix`. */
export const addStoreAndKvOptions = (command: Command): Command => addStoreOptions(command).addOption(kvOption()).addOption(kvPrefixOption());

/** Refuses a `--store` or `--read-store` that names no store Twofold opens. */
export function checkStoreUrls(flags: { readonly store: string; readonly readStore?: string | undefined }): void {
  checkStoreUrl('--store', flags.store);
  if (flags.readStore !== undefined) checkStoreUrl('--read-store', flags.readStore);
}

/** `--kv-prefix` checked, or undefined when it is not given. */
export const kvPrefixOf = (flag: string | undefined): string | undefined => (flag === undefined ? undefined : checkKvPrefix(flag));
