// Where the shop's master key comes from, and the vault over the store's data keys it opens: TWOFOLD_MASTER_KEY when
// set; for an embedded store a key made once and kept beside its data directory (or, in memory, for the process).
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { PersonalDataVault } from '@twofold/core';
import { checkPersonalDataKeys, newMasterKey, parseMasterKey, parseSqlClientUrl, postgresPersonalDataVault, type SqlSession } from '@twofold/postgres';

/** Where the master key came from; `none`: personal data is written in clear (a PostgreSQL store without TWOFOLD_MASTER_KEY). */
export type MasterKeySource = 'environment' | 'key file' | 'process' | 'none';

export interface ShopVault {
  /** The vault over the client it was opened with. */
  readonly vault: PersonalDataVault | undefined;
  /** The vault over another client of the same store (say, another pool): same master key, same key table. */
  on(client: SqlSession): PersonalDataVault | undefined;
  readonly source: MasterKeySource;
  /** The key file of an embedded store, when its key lives there. */
  readonly keyFile?: string;
}

/** The key file of an embedded store on disk: beside its directory, never inside (PGlite owns that). */
export const masterKeyFileOf = (dataDir: string): string => `${dataDir.replace(/[\\/]+$/, '')}.master-key`;

// an in-memory store lives as long as the process: so does its key
let processKey: string | undefined;

/** Thrown at start: the store holds sealed personal data and nothing here can open it. */
export class MasterKeyMissing extends Error {
  constructor(where: string) {
    super(`the event store holds encrypted personal data but ${where}: set TWOFOLD_MASTER_KEY to the master key that encrypted it`);
    this.name = 'MasterKeyMissing';
  }
}

/**
 * The shop's vault for a store (migrated by then). Refuses to start when the store holds data keys and there is no
 * master key, or the master key given does not open them.
 */
export async function openShopVault(store: string, client: SqlSession, env: NodeJS.ProcessEnv = process.env): Promise<ShopVault> {
  const target = parseSqlClientUrl(store === 'memory' ? 'pglite:memory' : store);
  const fromEnv = env['TWOFOLD_MASTER_KEY'];
  const opened = async (text: string, source: MasterKeySource, keyFile?: string): Promise<ShopVault> => {
    const masterKey = parseMasterKey(text, source === 'key file' ? keyFile : 'TWOFOLD_MASTER_KEY');
    await checkPersonalDataKeys(client, masterKey);
    const on = (other: SqlSession): PersonalDataVault => postgresPersonalDataVault(other, { masterKey });
    return { vault: on(client), on, source, ...(keyFile === undefined ? {} : { keyFile }) };
  };
  if (fromEnv !== undefined && fromEnv !== '') return opened(fromEnv, 'environment');
  const { holdsKeys } = await checkPersonalDataKeys(client);
  if (target.kind === 'postgres') {
    if (holdsKeys) throw new MasterKeyMissing('TWOFOLD_MASTER_KEY is not set');
    return { vault: undefined, on: () => undefined, source: 'none' };
  }
  if (target.dataDir === undefined) return opened((processKey ??= newMasterKey()), 'process');
  const keyFile = masterKeyFileOf(target.dataDir);
  if (!existsSync(keyFile)) {
    if (holdsKeys) throw new MasterKeyMissing(`its key file ${keyFile} is gone and TWOFOLD_MASTER_KEY is not set`);
    // written whole beside it, then linked into place: of two processes starting at once, one key wins and the
    // other process reads it below, never a half-written file
    const draft = `${keyFile}.${process.pid}.draft`;
    writeFileSync(draft, `${newMasterKey()}\n`, { mode: 0o600 });
    try {
      linkSync(draft, keyFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
  }
  return opened(readFileSync(keyFile, 'utf8'), 'key file', keyFile);
}
