// The schema versions the log holds, read once at start so that a deployment that cannot read one fails before it serves.
import type { StoredSchemaVersion } from '@twofold/core';
import { runStatement } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { readSchemaVersions, type SchemaVersionRow } from './statements/read-schema-versions.js';

export async function storedSchemaVersions(client: SqlSession): Promise<StoredSchemaVersion[]> {
  const { rows } = await runStatement<SchemaVersionRow>(client, readSchemaVersions, []);
  return rows.map((row) => ({ type: row.type, version: Number(row.version) }));
}
