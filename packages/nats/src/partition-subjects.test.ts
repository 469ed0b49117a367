import { MsgHdrsImpl } from '@nats-io/transport-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeStreamIdToken,
  encodeStreamIdToken,
  eventSubject,
  fnv1a32,
  parseEventSubject,
  partitionFilter,
  partitionOf,
} from './partition-subjects.js';
import { decodeRelayedEvent, relayedMessage, relayHeaders } from './relayed-event.js';

/** Stream ids of every kind: plain, any Unicode, and ones made of what subjects and headers cannot hold as they are. */
const streamIds = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('.', '*', '>', ' ', '\t', '\n', '\r', '%', '%2E', 'a', 'Z', '9', '-', '_', 'é', '😀', '\u2028', '\u00a0', '\u0000') }),
);

const prefixes = fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), { minLength: 1, maxLength: 3 }).map((tokens) => tokens.join('.'));

/** What a header set looks like after the wire: encoded by the publisher, decoded by the reader. */
const overTheWire = (headers: MsgHdrsImpl): MsgHdrsImpl => MsgHdrsImpl.decode(headers.encode());

describe('stream id tokens', () => {
  it('round-trip any stream id', () => {
    fc.assert(fc.property(streamIds, (streamId) => {
        expect(decodeStreamIdToken(encodeStreamIdToken(streamId))).toBe(streamId);
      }), { numRuns: 2_000 });
  });

  it('are one non-empty subject token: no dot, wildcard, whitespace or control character', () => {
    fc.assert(
      fc.property(streamIds, (streamId) => {
        const token = encodeStreamIdToken(streamId);
        expect(token.length).toBeGreaterThan(0);
        expect(token).toMatch(/^[A-Za-z0-9_%-]+$/);
        expect(token).not.toMatch(/[.*>\s]/);
      }),
      { numRuns: 2_000 },
    );
  });

  it('are distinct for distinct stream ids', () => {
    fc.assert(fc.property(streamIds, streamIds, (a, b) => {
        fc.pre(a !== b);
        expect(encodeStreamIdToken(a)).not.toBe(encodeStreamIdToken(b));
      }));
  });

  it('keep plain ids readable', () => {
    expect(encodeStreamIdToken('order-123_a')).toBe('order-123_a');
    expect(encodeStreamIdToken('order.1')).toBe('order%2E1');
    expect(encodeStreamIdToken('')).toBe('%');
  });

  it('refuse what no encoding produces', () => {
    for (const token of ['a.b', 'a%2', 'a%2e', '*', '>', 'a b', '']) expect(() => decodeStreamIdToken(token)).toThrow(RangeError);
  });
});

describe('subjects and headers', () => {
  it('carry any stream id to a reader, with a partition filter that matches the subject', () => {
    fc.assert(
      fc.property(prefixes, fc.integer({ min: 1, max: 256 }), streamIds, (prefix, partitions, streamId) => {
        const subject = eventSubject(prefix, partitions, streamId);
        const parsed = parseEventSubject(prefix, subject);
        expect(parsed).toEqual({ partition: partitionOf(streamId, partitions), streamId });
        expect(subject.startsWith(partitionFilter(prefix, parsed.partition).slice(0, -1))).toBe(true);
        expect(subject.split('.')).toHaveLength(prefix.split('.').length + 2);

        const event = {
          type: 'OrderPlaced',
          data: { n: 1 },
          metadata: {},
          streamId,
          streamVersion: 3,
          globalPosition: 41,
          transactionId: 907,
          eventId: '0b7a4d4e-5f2b-4c1e-9a55-1f9d2a3b4c5d',
          recordedAt: new Date('2026-12-06T10:00:00.123Z'),
        };
        const { headers, body } = relayedMessage(event);
        headers.set('Nats-Msg-Id', event.eventId);
        const received = overTheWire(headers as MsgHdrsImpl);
        if (received.has(relayHeaders.streamId)) expect(received.get(relayHeaders.streamId)).toBe(streamId);
        expect(decodeRelayedEvent(prefix, { subject, headers: received, data: body })).toEqual(event);
      }),
      { numRuns: 1_000 },
    );
  });

  it('carry the stream id verbatim in a header whenever a header can hold it', () => {
    const received = overTheWire(relayedMessage({ type: 'T', data: null, metadata: {}, streamId: 'order.42 x', streamVersion: 1, globalPosition: 1, transactionId: 1, eventId: 'e', recordedAt: new Date(0) }).headers as MsgHdrsImpl);
    expect(received.get(relayHeaders.streamId)).toBe('order.42 x');
  });
});

describe('partitions', () => {
  it('are FNV-1a 32-bit over UTF-8 (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    // UTF-8, not UTF-16 code units: é is the two bytes C3 A9
    expect(fnv1a32('é')).toBe(Math.imul(Math.imul(0x811c9dc5 ^ 0xc3, 0x01000193) >>> 0 ^ 0xa9, 0x01000193) >>> 0);
  });

  it('are in range and stable', () => {
    fc.assert(
      fc.property(streamIds, fc.integer({ min: 1, max: 65_536 }), (streamId, partitions) => {
        const partition = partitionOf(streamId, partitions);
        expect(Number.isInteger(partition)).toBe(true);
        expect(partition).toBeGreaterThanOrEqual(0);
        expect(partition).toBeLessThan(partitions);
        expect(partitionOf(streamId, partitions)).toBe(partition);
      }),
      { numRuns: 2_000 },
    );
  });

  it('spread stream ids evenly enough over 32 buckets', () => {
    const counts = new Array<number>(32).fill(0);
    for (let i = 0; i < 32_000; i++) counts[partitionOf(`order-${i}`, 32)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1_200);
  });
});
