import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptionError, checkExposure, checkKvPrefix, checkStoreUrl, parsePort, parseRoles } from './serve-options.js';

describe('parseRoles', () => {
  it('expands all and accepts comma lists', () => {
    expect([...parseRoles('all')].sort()).toEqual(['command', 'projector', 'query']);
    expect([...parseRoles('query, projector')].sort()).toEqual(['projector', 'query']);
  });
  it('rejects unknown and empty roles', () => {
    expect(() => parseRoles('writer')).toThrow(OptionError);
    expect(() => parseRoles(' , ')).toThrow(OptionError);
  });
  it('never accepts a string containing an unknown role (property)', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !['all', 'command', 'query', 'projector', ''].includes(s.trim()) && !s.includes(',')), (role) => {
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
