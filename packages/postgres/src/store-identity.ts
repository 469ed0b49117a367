// The identity of an event store on PostgreSQL or PGlite: a random uuid recorded once, when the schema is migrated.
import { runStatement, type PostgresClient } from './postgres-client.js';
import { readStoreIdentity } from './statements/read-store-identity.js';

/** The store's id (a uuid), the same for every process and every restart on this database; it is migrated by then. */
export async function storeIdentity(client: PostgresClient): Promise<string> {
  const { rows } = await runStatement<{ store_id: string }>(client, readStoreIdentity, []);
  const id = rows[0]?.store_id;
  if (id === undefined) throw new Error('the store has no identity row (twofold_store_identity): run the migrations');
  return id;
}
