// The personal data vault over the key table, on PGlite and PostgreSQL: seal, open, forget, the master key check, and
// two writers taking the same new subject's key at once.
import { createTestDatabase } from '@twofold/testing';
import { describe, expect, it } from 'vitest';
import { newMasterKey, parseMasterKey, SealedDataUnreadable } from './aes-gcm-cipher.js';
import { migrate } from './migrate.js';
import { openSqlClient } from './open-sql-client.js';
import { checkPersonalDataKeys, postgresPersonalDataVault } from './postgres-personal-data-vault.js';

describe.each(['pglite', 'postgres'] as const)('postgresPersonalDataVault on %s', (backend) => {
  async function withClient(test: (client: Awaited<ReturnType<typeof openSqlClient>>) => Promise<void>): Promise<void> {
    const database = backend === 'postgres' ? await createTestDatabase() : undefined;
    const client = await openSqlClient(database?.url ?? 'pglite:memory');
    try {
      await migrate(client);
      await test(client);
    } finally {
      await client.close();
      await database?.drop();
    }
  }

  it('seals with one key per subject, opens, and forgets: a forgotten value opens to nothing, a new one gets a new key', () =>
    withClient(async (client) => {
      const masterKey = parseMasterKey(newMasterKey());
      const vault = postgresPersonalDataVault(client, { masterKey });
      const ada = { name: 'Ada Lovelace', email: 'ada@example.com' };
      const sealed = await vault.seal([
        { subject: 'c-1', value: ada },
        { subject: 'c-2', value: 'Bob' },
        { subject: 'c-1', value: '12 Byron St' },
      ]);
      expect(sealed[0]).toMatchObject({ $sealed: 'aes-256-gcm', fields: ['name', 'email'] });
      expect(sealed[0]!.keyId).toBe(sealed[2]!.keyId);
      expect(sealed[0]!.keyId).not.toBe(sealed[1]!.keyId);
      expect(JSON.stringify(sealed)).not.toMatch(/Ada|Bob|Byron/);
      // the key table holds wrapped keys only
      expect(JSON.stringify((await client.query('SELECT * FROM twofold_personal_data_keys')).rows)).not.toMatch(/Ada|Bob|Byron/);
      expect(await vault.open(sealed)).toEqual([{ value: ada }, { value: 'Bob' }, { value: '12 Byron St' }]);

      expect(await vault.forget('c-1')).toBe(1);
      expect(await vault.forget('c-1')).toBe(0);
      expect(await vault.open(sealed)).toEqual([undefined, { value: 'Bob' }, undefined]);
      const [again] = await vault.seal([{ subject: 'c-1', value: 'back' }]);
      expect(again!.keyId).not.toBe(sealed[0]!.keyId);
      expect(await vault.open([again!, sealed[0]!])).toEqual([{ value: 'back' }, undefined]);
    }));

  it('refuses another master key at the check and at opening, and a tampered value', () =>
    withClient(async (client) => {
      const masterKey = parseMasterKey(newMasterKey());
      expect(await checkPersonalDataKeys(client)).toEqual({ holdsKeys: false });
      const [sealed] = await postgresPersonalDataVault(client, { masterKey }).seal([{ subject: 'c-1', value: 'Ada' }]);
      expect(await checkPersonalDataKeys(client, masterKey)).toEqual({ holdsKeys: true });
      const other = parseMasterKey(newMasterKey());
      await expect(checkPersonalDataKeys(client, other)).rejects.toThrow(SealedDataUnreadable);
      await expect(postgresPersonalDataVault(client, { masterKey: other }).open([sealed!])).rejects.toThrow(SealedDataUnreadable);
      const flipped = Buffer.from(sealed!.ciphertext, 'base64');
      flipped[0]! ^= 1;
      await expect(postgresPersonalDataVault(client, { masterKey }).open([{ ...sealed!, ciphertext: flipped.toString('base64') }])).rejects.toThrow(SealedDataUnreadable);
    }));

  it('gives writers sealing a new subject at once the same key', () =>
    withClient(async (client) => {
      const masterKey = parseMasterKey(newMasterKey());
      const writers = Array.from({ length: 6 }, () => postgresPersonalDataVault(client, { masterKey }));
      const sealed = await Promise.all(writers.map((vault, index) => vault.seal([{ subject: 'c-new', value: `v${index}` }, { subject: `c-${index}`, value: index }])));
      expect(new Set(sealed.map(([first]) => first!.keyId)).size).toBe(1);
      expect((await client.query('SELECT count(*)::int AS n FROM twofold_personal_data_keys')).rows).toEqual([{ n: 7 }]);
      expect((await writers[0]!.open(sealed.map(([first]) => first!))).map((opened) => opened?.value)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    }));
});
