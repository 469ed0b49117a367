import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aesGcmOpen, aesGcmSeal, newMasterKey, parseMasterKey, SealedDataUnreadable, unwrapKey, wrapKey } from './aes-gcm-cipher.js';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const bytes = fc.uint8Array({ maxLength: 300 });
const aad = fc.string({ maxLength: 40 });

describe('AES-256-GCM cipher', () => {
  it('opens what it sealed, under the same key and associated data', () => {
    fc.assert(
      fc.property(key, bytes, aad, (k, plaintext, data) => {
        expect(new Uint8Array(aesGcmOpen(k, aesGcmSeal(k, plaintext, data), data))).toEqual(plaintext);
      }),
    );
  });

  it('never seals the same plaintext twice alike (a fresh iv each time)', () => {
    fc.assert(
      fc.property(key, bytes, (k, plaintext) => {
        const [a, b] = [aesGcmSeal(k, plaintext, ''), aesGcmSeal(k, plaintext, '')];
        expect(a.iv.equals(b.iv)).toBe(false);
      }),
    );
  });

  it('refuses a sealed value with any bit of its iv, tag or ciphertext flipped', () => {
    fc.assert(
      fc.property(key, fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.constantFrom('iv', 'tag', 'ciphertext'), fc.nat(), fc.integer({ min: 0, max: 7 }), (k, plaintext, part, at, bit) => {
        const sealed = aesGcmSeal(k, plaintext, 'k1');
        const tampered = { ...sealed, [part]: Buffer.from(sealed[part as 'iv']) };
        const target = tampered[part as 'iv'];
        target[at % target.length]! ^= 1 << bit;
        expect(() => aesGcmOpen(k, tampered, 'k1')).toThrow(SealedDataUnreadable);
      }),
    );
  });

  it('refuses to open under another key or other associated data', () => {
    fc.assert(
      fc.property(key, key, bytes, aad, aad, (k, other, plaintext, data, otherData) => {
        fc.pre(Buffer.compare(k, other) !== 0 || data !== otherData);
        const sealed = aesGcmSeal(k, plaintext, data);
        expect(() => aesGcmOpen(other, sealed, otherData)).toThrow(SealedDataUnreadable);
      }),
    );
  });

  it('wraps a data key so that only its master key and key id unwrap it', () => {
    fc.assert(
      fc.property(key, key, key, fc.uuid(), (master, otherMaster, dataKey, keyId) => {
        fc.pre(Buffer.compare(master, otherMaster) !== 0);
        const wrapped = wrapKey(master, dataKey, keyId);
        expect(new Uint8Array(unwrapKey(master, wrapped, keyId))).toEqual(dataKey);
        expect(() => unwrapKey(otherMaster, wrapped, keyId)).toThrow(/data key .* does not open/);
        expect(() => unwrapKey(master, wrapped, `${keyId}x`)).toThrow(SealedDataUnreadable);
      }),
    );
  });
});

describe('parseMasterKey', () => {
  it('reads 32 bytes as base64 or hex', () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(new Uint8Array(parseMasterKey(Buffer.from(k).toString('base64')))).toEqual(k);
        expect(new Uint8Array(parseMasterKey(Buffer.from(k).toString('hex')))).toEqual(k);
      }),
    );
    expect(parseMasterKey(newMasterKey())).toHaveLength(32);
  });

  it('refuses anything else, naming the variable and how to make a key', () => {
    for (const bad of ['', 'secret', Buffer.alloc(16).toString('base64'), Buffer.alloc(31).toString('hex'), `${Buffer.alloc(32).toString('hex')}00`]) {
      expect(() => parseMasterKey(bad)).toThrow(/TWOFOLD_MASTER_KEY must be 32 random bytes .* openssl rand -base64 32/);
    }
  });
});
