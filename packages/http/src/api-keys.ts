// API keys with roles, parsed from `TWOFOLD_API_KEYS` ("key1:reader,key2:writer,key3:admin") and checked in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Each role may do what the one before it may: a writer also reads, an admin does everything. */
export const apiRoles = ['reader', 'writer', 'admin'] as const;
export type ApiRole = (typeof apiRoles)[number];

export const minApiKeyLength = 16;

// the characters of an RFC 6750 bearer token (b64token), so any key can be sent as `Authorization: Bearer <key>`
const keyCharacters = /^[A-Za-z0-9._~+/=-]+$/;

/** A bad `TWOFOLD_API_KEYS`; the message names the entry by position and role, never by its key. */
export class ApiKeyListError extends Error {
  constructor(message: string) {
    super(`TWOFOLD_API_KEYS: ${message} (format: key1:reader,key2:writer,key3:admin)`);
    this.name = 'ApiKeyListError';
  }
}

/** A known key: its role, and a name for it that is safe to log and to count by (`key-2`: the second in the list). */
export interface ApiKeyIdentity {
  readonly id: string;
  readonly role: ApiRole;
}

export interface ApiKeyring {
  /** How many keys there are; 0 means auth is off. */
  readonly size: number;
  /** Who a presented key is, or undefined when it is none of them; takes the same time whichever key matches. */
  identify(presented: string): ApiKeyIdentity | undefined;
}

interface StoredKey extends ApiKeyIdentity {
  readonly digest: Buffer;
}

const digestOf = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** Parses the key list; undefined or blank gives an empty keyring. Throws ApiKeyListError naming the first bad entry. */
export function parseApiKeys(text: string | undefined): ApiKeyring {
  const stored: StoredKey[] = [];
  const entries = (text ?? '').trim() === '' ? [] : (text ?? '').split(',');
  entries.forEach((raw, index) => {
    const entry = raw.trim();
    const position = `entry ${index + 1}`;
    if (entry === '') throw new ApiKeyListError(`${position} is empty`);
    const colon = entry.lastIndexOf(':');
    if (colon < 0) throw new ApiKeyListError(`${position} has no role: write it as key:role`);
    const key = entry.slice(0, colon).trim();
    const role = entry.slice(colon + 1).trim();
    if (!(apiRoles as readonly string[]).includes(role)) {
      throw new ApiKeyListError(`${position} has the unknown role "${role.slice(0, 20)}": use reader, writer or admin`);
    }
    const named = `${position} (…:${role})`;
    if (key.length < minApiKeyLength) throw new ApiKeyListError(`${named} has a key of ${key.length} characters; keys need at least ${minApiKeyLength}`);
    if (!keyCharacters.test(key)) throw new ApiKeyListError(`${named} has a key with characters outside A-Z a-z 0-9 . _ ~ + / = -`);
    const digest = digestOf(key);
    if (stored.some((other) => other.digest.equals(digest))) throw new ApiKeyListError(`${named} repeats an earlier key`);
    stored.push({ digest, role: role as ApiRole, id: `key-${index + 1}` });
  });

  return {
    size: stored.length,
    identify(presented) {
      // digests have one length, so comparing them leaks neither the keys' lengths nor how much of one matched;
      // every key is compared, so the time does not say which one matched either
      const digest = digestOf(presented);
      let found: StoredKey | undefined;
      for (const key of stored) if (timingSafeEqual(key.digest, digest)) found = key;
      return found === undefined ? undefined : { id: found.id, role: found.role };
    },
  };
}

/** True when a key with `role` may use a route that needs `required`. */
export function roleSatisfies(role: ApiRole, required: ApiRole): boolean {
  return apiRoles.indexOf(role) >= apiRoles.indexOf(required);
}
