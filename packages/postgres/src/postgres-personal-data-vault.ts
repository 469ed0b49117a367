// The personal data vault on PostgreSQL and PGlite: one AES-256-GCM data key per subject in twofold_personal_data_keys,
// wrapped by the master key; sealing and opening cost one round trip per call, for every value of a batch.
import { randomUUID } from 'node:crypto';
import type { PersonalDataVault, SealedValue, ValueToSeal } from '@twofold/core';
import { aesGcmOpen, aesGcmSeal, newAesKey, unwrapKey, wrapKey } from './aes-gcm-cipher.js';
import { runStatement } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { deletePersonalDataKeys } from './statements/delete-personal-data-keys.js';
import { readAnyPersonalDataKey } from './statements/read-any-personal-data-key.js';
import { readPersonalDataKeys } from './statements/read-personal-data-keys.js';
import { takePersonalDataKeys } from './statements/take-personal-data-keys.js';

export interface PostgresPersonalDataVaultOptions {
  /** The 32-byte key that wraps every data key (parseMasterKey reads it from text). */
  readonly masterKey: Uint8Array;
}

interface KeyRow {
  readonly key_id: string;
  readonly subject?: string;
  readonly wrapped_key: string;
}

const cipherName = 'aes-256-gcm';

const fieldsOf = (value: unknown): string[] | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : undefined;

export function postgresPersonalDataVault(client: SqlSession, options: PostgresPersonalDataVaultOptions): PersonalDataVault {
  const { masterKey } = options;

  /** Each subject's data key, made for those without one. */
  async function keysOf(subjects: readonly string[]): Promise<Map<string, { keyId: string; key: Buffer }>> {
    const keys = new Map<string, { keyId: string; key: Buffer }>();
    // a subject whose key another transaction inserted meanwhile is missing from an answer: asked again, it is there
    for (let attempt = 0; attempt < 5 && keys.size < subjects.length; attempt++) {
      const offers = subjects
        .filter((subject) => !keys.has(subject))
        .map((subject) => {
          const keyId = randomUUID();
          return { subject, key_id: keyId, wrapped_key: wrapKey(masterKey, newAesKey(), keyId) };
        });
      const { rows } = await runStatement<KeyRow>(client, takePersonalDataKeys, [JSON.stringify(offers)]);
      for (const row of rows) keys.set(row.subject!, { keyId: row.key_id, key: unwrapKey(masterKey, row.wrapped_key, row.key_id) });
    }
    if (keys.size < subjects.length) throw new Error('could not take the personal data keys of a batch: subjects kept being forgotten and seen again');
    return keys;
  }

  return {
    async seal(values: readonly ValueToSeal[]): Promise<SealedValue[]> {
      if (values.length === 0) return [];
      const keys = await keysOf([...new Set(values.map((value) => value.subject))]);
      return values.map(({ subject, value }) => {
        const { keyId, key } = keys.get(subject)!;
        const { iv, tag, ciphertext } = aesGcmSeal(key, Buffer.from(JSON.stringify(value), 'utf8'), keyId);
        const fields = fieldsOf(value);
        return {
          $sealed: cipherName,
          keyId,
          iv: iv.toString('base64'),
          tag: tag.toString('base64'),
          ciphertext: ciphertext.toString('base64'),
          ...(fields === undefined ? {} : { fields }),
        };
      });
    },
    async open(sealed) {
      if (sealed.length === 0) return [];
      const { rows } = await runStatement<KeyRow>(client, readPersonalDataKeys, [[...new Set(sealed.map((value) => value.keyId))]]);
      const keys = new Map(rows.map((row) => [row.key_id, unwrapKey(masterKey, row.wrapped_key, row.key_id)]));
      return sealed.map((value) => {
        const key = keys.get(value.keyId);
        if (key === undefined) return undefined;
        if (value.$sealed !== cipherName) throw new Error(`sealed with ${value.$sealed}, which this vault cannot open`);
        const plaintext = aesGcmOpen(key, { iv: Buffer.from(value.iv, 'base64'), tag: Buffer.from(value.tag, 'base64'), ciphertext: Buffer.from(value.ciphertext, 'base64') }, value.keyId);
        return { value: JSON.parse(plaintext.toString('utf8')) as unknown };
      });
    },
    async forget(subject) {
      const { rows } = await runStatement<KeyRow>(client, deletePersonalDataKeys, [subject]);
      return rows.length;
    },
  };
}

/**
 * Whether the store holds personal data keys; with a master key, also that it opens them (else throws
 * SealedDataUnreadable): run at start, so a wrong key stops the deployment before it serves.
 */
export async function checkPersonalDataKeys(client: SqlSession, masterKey?: Uint8Array): Promise<{ readonly holdsKeys: boolean }> {
  const { rows } = await runStatement<KeyRow>(client, readAnyPersonalDataKey, []);
  const row = rows[0];
  if (row !== undefined && masterKey !== undefined) unwrapKey(masterKey, row.wrapped_key, row.key_id);
  return { holdsKeys: row !== undefined };
}
