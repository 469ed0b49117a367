// The schema versions a log holds, as written by older deployments (raw SQL) and by the evolving store, on PGlite and PostgreSQL.
import { defineEventSchemas, evolvingEventStore, UnknownSchemaVersion } from '@twofold/core';
import { createTestDatabase } from '@twofold/testing';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { openSqlClient } from './open-sql-client.js';
import { postgresEventStore } from './postgres-event-store.js';
import { storedSchemaVersions } from './stored-schema-versions.js';

const schemas = defineEventSchemas({ Renamed: { version: 3, upcasters: { 1: (d) => ({ b: (d as { a: number }).a }), 2: (d) => ({ c: (d as { b: number }).b }) } } });

describe.each(['pglite', 'postgres'] as const)('storedSchemaVersions on %s', (backend) => {
  it('lists each (type, version) once, counts a missing or non-numeric version as 1, and the evolving store reads them all', async () => {
    const database = backend === 'postgres' ? await createTestDatabase() : undefined;
    const client = await openSqlClient(database?.url ?? 'pglite:memory');
    try {
      await migrate(client);
      expect(await storedSchemaVersions(client)).toEqual([]);
      // as deployments before versions, and a v2 deployment, wrote them
      await client.query(
        `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata) VALUES
         ('r', 1, gen_random_uuid(), 'Renamed', '{"a": 1}', '{}'),
         ('r', 2, gen_random_uuid(), 'Renamed', '{"a": 2}', '{"schemaVersion": "x"}'),
         ('r', 3, gen_random_uuid(), 'Renamed', '{"b": 3}', '{"schemaVersion": 2}'),
         ('o', 1, gen_random_uuid(), 'Other', '{}', '{}')`,
      );
      const store = evolvingEventStore(postgresEventStore(client), schemas);
      await store.appendToStream('r', [{ type: 'Renamed', data: { c: 4 } }], { expectedVersion: 3 });
      const stored = await storedSchemaVersions(client);
      expect(stored).toEqual([
        { type: 'Other', version: 1 },
        { type: 'Renamed', version: 1 },
        { type: 'Renamed', version: 2 },
        { type: 'Renamed', version: 3 },
      ]);
      expect(() => schemas.verify(stored)).not.toThrow();
      expect((await store.readStream('r')).map((event) => event.data)).toEqual([{ c: 1 }, { c: 2 }, { c: 3 }, { c: 4 }]);

      // a newer deployment's event: this code refuses at the check, before any read
      await client.query(`INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata) VALUES ('r', 5, gen_random_uuid(), 'Renamed', '{}', '{"schemaVersion": 4}')`);
      expect(() => schemas.verify(stored)).not.toThrow();
      const later = await storedSchemaVersions(client);
      expect(() => schemas.verify(later)).toThrow(UnknownSchemaVersion);
    } finally {
      await client.close();
      await database?.drop();
    }
  });
});
