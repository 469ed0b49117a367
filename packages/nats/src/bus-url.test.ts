import { describe, expect, it } from 'vitest';
import { parseBusUrl } from './bus-url.js';

describe('parseBusUrl', () => {
  it('lists the servers of one or several nats:// URLs', () => {
    expect(parseBusUrl('nats://127.0.0.1:4222')).toEqual(['nats://127.0.0.1:4222']);
    expect(parseBusUrl('nats://a:4222,b:4223, nats://c')).toEqual(['nats://a:4222', 'nats://b:4223', 'nats://c']);
    expect(parseBusUrl('nats://[::1]:4222')).toEqual(['nats://[::1]:4222']);
  });

  it('refuses what is not nats://host:port, saying so', () => {
    for (const url of ['127.0.0.1:4222', 'redis://a:6379', 'nats://', 'nats://a,', 'nats://a:70000', 'nats://a b']) expect(() => parseBusUrl(url), url).toThrow(RangeError);
  });
});
