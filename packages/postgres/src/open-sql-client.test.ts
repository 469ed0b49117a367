// Parsing of store URLs into PGlite or PostgreSQL targets.
import { describe, expect, it } from 'vitest';
import { parseSqlClientUrl } from './open-sql-client.js';

describe('parseSqlClientUrl', () => {
  it('reads PGlite in memory and on disk', () => {
    expect(parseSqlClientUrl('pglite:memory')).toEqual({ kind: 'pglite', dataDir: undefined });
    expect(parseSqlClientUrl('pglite:./data')).toEqual({ kind: 'pglite', dataDir: './data' });
    expect(parseSqlClientUrl('pglite:///var/lib/twofold')).toEqual({ kind: 'pglite', dataDir: '/var/lib/twofold' });
    expect(parseSqlClientUrl('pglite://data')).toEqual({ kind: 'pglite', dataDir: 'data' });
  });

  it('reads PostgreSQL URLs unchanged', () => {
    for (const url of ['postgres://u@h/db', 'postgresql://u:p@h:5433/db?sslmode=disable']) expect(parseSqlClientUrl(url)).toEqual({ kind: 'postgres', connectionString: url });
  });

  it('refuses anything else, naming the accepted forms', () => {
    for (const url of ['', 'memory', 'pglite:', 'mysql://h/db', 'postgres://']) expect(() => parseSqlClientUrl(url)).toThrow(/pglite:memory, pglite:DIR or postgres:/);
  });
});
