import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptionError, checkBusUrl, checkExposure, checkKvPrefix, checkStoreUrl, parsePort, parseRoles } from './serve-options.js';

describe('parseRoles', () => {
  it('expands all and accepts comma lists', () => {
    expect([...parseRoles('all')].sort()).toEqual(['command', 'projector', 'query']);
    expect([...parseRoles('query, projector')].sort()).toEqual(['projector', 'query']);
  });
  it('adds the relay to all when there is a bus, and refuses a relay without one', () => {
    expect([...parseRoles('all', { bus: true })].sort()).toEqual(['command', 'projector', 'query', 'relay']);
    expect([...parseRoles('command,relay', { bus: true })].sort()).toEqual(['command', 'relay']);
    expect(() => parseRoles('relay')).toThrow(/--role relay needs a bus/);
  });
  it('rejects unknown and empty roles', () => {
    expect(() => parseRoles('writer')).toThrow(OptionError);
    expect(() => parseRoles(' , ')).toThrow(OptionError);
  });
  it('never accepts a string containing an unknown role (property)', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !['all', 'command', 'query', 'projector', 'relay', ''].includes(s.trim()) && !s.includes(',')), (role) => {
        expect(() => parseRoles(`command,${role}`)).toThrow(OptionError);
      }),
    );
  });
});

describe('parsePort', () => {
  it('accepts 0..65535 integers only', () => {
    expect(parsePort('3000')).toBe(3000);
    for (const bad of ['-1', '65536', '3.5', 'http', '']) expect(() => parsePort(bad), bad).toThrow(OptionError);
  });
});

describe('checkExposure', () => {
  it('refuses a non-loopback host without API keys', () => {
    expect(() => checkExposure('0.0.0.0', undefined)).toThrow(/refusing/);
    expect(() => checkExposure('0.0.0.0', 'k:admin')).not.toThrow();
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(() => checkExposure(host, undefined)).not.toThrow();
  });
});

describe('checkBusUrl', () => {
  it('accepts one or several nats:// servers and names the flag otherwise', () => {
    for (const url of ['nats://127.0.0.1:4222', 'nats://a:4222,b:4223', 'nats://a:1,nats://b:2', 'nats://nats.example.com', 'nats://[::1]:4222']) expect(() => checkBusUrl(url), url).not.toThrow();
    for (const url of ['127.0.0.1:4222', 'nats://', 'nats://a:4222,', 'nats://a:99999', 'redis://a:6379', 'nats://a b:1']) expect(() => checkBusUrl(url), url).toThrow(/--bus must be nats:\/\/host:port/);
  });
});

describe('checkStoreUrl', () => {
  it('accepts the documented forms and names the flag otherwise', () => {
    for (const url of ['pglite:./data', 'pglite:memory', 'memory', 'postgres://u@h/db', 'postgresql://h/db']) expect(() => checkStoreUrl('--store', url)).not.toThrow();
    expect(() => checkStoreUrl('--store', 'mysql://x')).toThrow(/--store must be/);
  });
});

describe('checkKvPrefix', () => {
  it('accepts plain prefixes and names the flag for the rest', () => {
    for (const prefix of ['twofold:', 'shop-eu:', 'a']) expect(checkKvPrefix(prefix)).toBe(prefix);
    for (const bad of ['', 'has space:', 'star*:', 'q?', '[x]', 'back\\slash', 'x'.repeat(101), 'tab\t']) expect(() => checkKvPrefix(bad), bad).toThrow(/--kv-prefix must be/);
  });
  it('refuses every prefix holding a glob character (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('*', '?', '[', ']', '\\'), fc.string(), (before, glob, after) => {
        expect(() => checkKvPrefix(`${before}${glob}${after}`)).toThrow(OptionError);
      }),
    );
  });
});
