// The key list: its format, its errors (which name the entry, never the key) and constant-time lookups.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiKeyListError, apiRoles, parseApiKeys, roleSatisfies } from './api-keys.js';

const reader = 'r'.repeat(16);
const writer = 'w0123456789abcdef';
const admin = 'A.b_c~d+e/f=g-h0123';

describe('parseApiKeys', () => {
  it('reads key:role entries, trimming spaces, and knows each key by its position', () => {
    const keys = parseApiKeys(` ${reader}:reader , ${writer}:writer,${admin}:admin`);
    expect(keys.size).toBe(3);
    expect(keys.identify(reader)).toEqual({ id: 'key-1', role: 'reader' });
    expect(keys.identify(writer)).toEqual({ id: 'key-2', role: 'writer' });
    expect(keys.identify(admin)).toEqual({ id: 'key-3', role: 'admin' });
    expect(keys.identify(`${reader}x`)).toBeUndefined();
    expect(keys.identify('')).toBeUndefined();
  });

  it('is empty (auth off) when unset or blank', () => {
    expect(parseApiKeys(undefined).size).toBe(0);
    expect(parseApiKeys('  ').size).toBe(0);
    expect(parseApiKeys(undefined).identify(reader)).toBeUndefined();
  });

  it.each([
    [`${reader}:reader,`, /entry 2 is empty/],
    [`${reader}`, /entry 1 has no role/],
    [`${reader}:reader,${writer}:owner`, /entry 2 has the unknown role "owner"/],
    [`short-key:admin`, /entry 1 \(…:admin\) has a key of 9 characters; keys need at least 16/],
    [`${reader}:reader,${'é'.repeat(16)}:writer`, /entry 2 \(…:writer\) has a key with characters outside/],
    [`${reader}:reader,${reader}:admin`, /entry 2 \(…:admin\) repeats an earlier key/],
  ])('refuses %s, naming the entry', (text, message) => {
    expect(() => parseApiKeys(text)).toThrow(ApiKeyListError);
    expect(() => parseApiKeys(text)).toThrow(message);
  });

  const key = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{16,40}$/);
  const role = fc.constantFrom(...apiRoles);

  it('finds every listed key with its role and nothing else (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, role), { minLength: 1, maxLength: 6, selector: ([k]) => k }), key, (entries, other) => {
        const keys = parseApiKeys(entries.map(([k, r]) => `${k}:${r}`).join(','));
        expect(keys.size).toBe(entries.length);
        entries.forEach(([k, r], i) => expect(keys.identify(k)).toEqual({ id: `key-${i + 1}`, role: r }));
        if (!entries.some(([k]) => k === other)) expect(keys.identify(other)).toBeUndefined();
      }),
    );
  });

  it('refuses a list with any bad entry, naming its position and never showing a key (property)', () => {
    const bad = fc.oneof(
      fc.tuple(fc.stringMatching(/^[A-Za-z0-9]{1,15}$/), role).map(([k, r]) => ({ text: `${k}:${r}`, secret: k })),
      fc.tuple(key, fc.string({ maxLength: 10 }).filter((r) => !(apiRoles as readonly string[]).includes(r.trim()) && !r.includes(','))).map(([k, r]) => ({ text: `${k}:${r}`, secret: k })),
      key.map((k) => ({ text: k, secret: k })),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, role), { maxLength: 4, selector: ([k]) => k }), bad, fc.nat(), (good, { text, secret }, at) => {
        const entries = good.map(([k, r]) => `${k}:${r}`);
        const position = at % (entries.length + 1);
        entries.splice(position, 0, text);
        let error: unknown;
        try {
          parseApiKeys(entries.join(','));
        } catch (thrown) {
          error = thrown;
        }
        expect(error).toBeInstanceOf(ApiKeyListError);
        const message = (error as Error).message;
        expect(message).toContain(`entry ${position + 1}`);
        for (const [k] of good) expect(message).not.toContain(k);
        if (secret.length >= 4) expect(message).not.toContain(secret);
      }),
    );
  });
});

describe('roleSatisfies', () => {
  it('ranks reader < writer < admin', () => {
    expect(roleSatisfies('admin', 'writer')).toBe(true);
    expect(roleSatisfies('writer', 'writer')).toBe(true);
    expect(roleSatisfies('writer', 'admin')).toBe(false);
    expect(roleSatisfies('reader', 'writer')).toBe(false);
  });
});
