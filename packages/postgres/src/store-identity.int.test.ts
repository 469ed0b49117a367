// The event store's identity on PostgreSQL and PGlite: made once by the migrations, stable across reads and migrations, distinct per database.
import { createTestDatabase } from '@twofold/testing';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { openSqlClient } from './open-sql-client.js';
import { storeIdentity } from './store-identity.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('storeIdentity', () => {
  it('is one uuid per PostgreSQL database, unchanged by migrating again', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    const clients = await Promise.all([openSqlClient(a.url), openSqlClient(b.url)]);
    try {
      for (const client of clients) await migrate(client);
      const first = await storeIdentity(clients[0]!);
      expect(first).toMatch(uuid);
      await migrate(clients[0]!);
      expect(await storeIdentity(clients[0]!)).toBe(first);
      expect(await storeIdentity(clients[1]!)).not.toBe(first);
      await expect(clients[0]!.query('INSERT INTO twofold_store_identity (singleton) VALUES (false)')).rejects.toThrow();
    } finally {
      for (const client of clients) await client.close();
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('exists on PGlite too', async () => {
    const client = await openSqlClient('pglite:memory');
    try {
      await migrate(client);
      expect(await storeIdentity(client)).toMatch(uuid);
    } finally {
      await client.close();
    }
  });

  it('asks for the migrations when they did not run', async () => {
    const client = await openSqlClient('pglite:memory');
    try {
      await expect(storeIdentity(client)).rejects.toThrow();
    } finally {
      await client.close();
    }
  });
});
