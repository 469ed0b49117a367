// Where an event goes on the bus: `<prefix>.<partition>.<stream id token>`, the partition a stable hash of the
// stream id, so one stream's events stay in one partition, in order, and a consumer filters `<prefix>.<p>.>`.

/** Buckets of a stream unless configured: fixed when the JetStream stream is created (changing it means republishing). */
export const defaultPartitions = 32;

const encoder = new TextEncoder();

/**
 * FNV-1a, 32 bits, over the UTF-8 bytes of the text: offset basis 2166136261, prime 16777619. Chosen because it is
 * tiny, stable across languages and versions (a consumer written in Go or Rust computes the same partition), and
 * spreads short ids well enough for bucketing.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The partition of a stream: fnv1a32(streamId) mod partitions. */
export function partitionOf(streamId: string, partitions: number): number {
  return fnv1a32(streamId) % partitions;
}

// kept as they are: letters, digits, `-` and `_`; every other UTF-8 byte becomes %HH (upper-case hex)
const plain = /^[A-Za-z0-9_-]$/;
/** The token of the empty stream id: `%` alone is no valid escape, so it cannot stand for anything else. */
const emptyToken = '%';

/**
 * The stream id as one subject token: percent-encoded UTF-8 with only letters, digits, `-` and `_` left as they are,
 * so a token never holds `.`, `*`, `>` or whitespace and any stream id (text without lone surrogates, which
 * PostgreSQL cannot store) round-trips through `decodeStreamIdToken`.
 */
export function encodeStreamIdToken(streamId: string): string {
  if (streamId === '') return emptyToken;
  let token = '';
  for (const char of streamId) {
    if (plain.test(char)) token += char;
    else for (const byte of encoder.encode(char)) token += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return token;
}

export function decodeStreamIdToken(token: string): string {
  if (token === emptyToken) return '';
  if (!/^([A-Za-z0-9_-]|%[0-9A-F]{2})+$/.test(token)) throw new RangeError(`not a stream id token: ${token}`);
  return decodeURIComponent(token);
}

const subjectToken = /^[^\s.*>]+$/;

/** Checks a subject prefix: one or more tokens separated by dots, no wildcards, no whitespace. */
export function checkSubjectPrefix(prefix: string): void {
  if (!prefix.split('.').every((token) => subjectToken.test(token))) {
    throw new RangeError(`subject prefix must be dot-separated tokens without wildcards or whitespace, not "${prefix}"`);
  }
}

export function checkPartitions(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 65_536) throw new RangeError('partitions must be an integer from 1 to 65536');
}

/** The subject an event of `streamId` is published on. */
export function eventSubject(prefix: string, partitions: number, streamId: string): string {
  return `${prefix}.${partitionOf(streamId, partitions)}.${encodeStreamIdToken(streamId)}`;
}

/** Every subject of one partition: the filter of a consumer that reads it. */
export function partitionFilter(prefix: string, partition: number): string {
  return `${prefix}.${partition}.>`;
}

/** The partition and stream id a subject under `prefix` names. */
export function parseEventSubject(prefix: string, subject: string): { partition: number; streamId: string } {
  const rest = subject.startsWith(`${prefix}.`) ? subject.slice(prefix.length + 1).split('.') : [];
  if (rest.length !== 2 || !/^\d+$/.test(rest[0]!)) throw new RangeError(`not an event subject under ${prefix}: ${subject}`);
  return { partition: Number(rest[0]), streamId: decodeStreamIdToken(rest[1]!) };
}
