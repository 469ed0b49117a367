// AES-256-GCM with Node's crypto: seals bytes under a 32-byte key with a fresh 96-bit iv, and opens only what that
// key sealed with the same associated data, untouched.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const aesKeyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;

export interface AesGcmSealed {
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

/** A sealed value that does not open: tampered with, or sealed under another key or associated data. */
export class SealedDataUnreadable extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} does not open: it was tampered with, or sealed under another key`, options);
    this.name = 'SealedDataUnreadable';
  }
}

const requireKey = (key: Uint8Array): void => {
  if (key.byteLength !== aesKeyBytes) throw new RangeError(`an AES-256 key has ${aesKeyBytes} bytes, not ${key.byteLength}`);
};

export function aesGcmSeal(key: Uint8Array, plaintext: Uint8Array, associatedData: string): AesGcmSealed {
  requireKey(key);
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

/** The plaintext; throws SealedDataUnreadable (naming `what`) when the tag does not verify. */
export function aesGcmOpen(key: Uint8Array, sealed: AesGcmSealed, associatedData: string, what = 'the sealed value'): Buffer {
  requireKey(key);
  if (sealed.iv.byteLength !== ivBytes || sealed.tag.byteLength !== tagBytes) throw new SealedDataUnreadable(what);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: tagBytes });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch (error) {
    throw new SealedDataUnreadable(what, { cause: error });
  }
}

/** A fresh random AES-256 key. */
export const newAesKey = (): Buffer => randomBytes(aesKeyBytes);

/** Wraps a key under another: base64 of iv | tag | sealed key. */
export function wrapKey(masterKey: Uint8Array, key: Uint8Array, associatedData: string): string {
  const { iv, tag, ciphertext } = aesGcmSeal(masterKey, key, associatedData);
  return Buffer.concat([iv, tag, ciphertext]).toString('base64');
}

export function unwrapKey(masterKey: Uint8Array, wrapped: string, associatedData: string): Buffer {
  const bytes = Buffer.from(wrapped, 'base64');
  const sealed = { iv: bytes.subarray(0, ivBytes), tag: bytes.subarray(ivBytes, ivBytes + tagBytes), ciphertext: bytes.subarray(ivBytes + tagBytes) };
  return aesGcmOpen(masterKey, sealed, associatedData, `data key ${associatedData}`);
}

/** A master key as written in TWOFOLD_MASTER_KEY: 32 bytes as base64 (44 characters) or hex (64). */
export function parseMasterKey(text: string, name = 'TWOFOLD_MASTER_KEY'): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/]{43}=?$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : undefined;
  if (bytes?.byteLength !== aesKeyBytes) {
    throw new Error(`${name} must be ${aesKeyBytes} random bytes as base64 (44 characters) or hex (64), e.g. from: openssl rand -base64 32`);
  }
  return bytes;
}

/** A fresh master key, as TWOFOLD_MASTER_KEY takes it (base64). */
export const newMasterKey = (): string => newAesKey().toString('base64');
