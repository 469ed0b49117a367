// Reads the event store's identity: the random id migration 5 made when the schema was created.
import type { NamedStatement } from '../postgres-client.js';

export const readStoreIdentity: NamedStatement = {
  name: 'twofold_read_store_identity',
  text: `SELECT store_id::text AS store_id FROM twofold_store_identity`,
};
