// Every migration of the Twofold schema, in order.
import { eventLog } from './0001-event-log.js';
import { checkpoints } from './0002-checkpoints.js';
import { projectionAdministration } from './0003-projection-administration.js';
import { snapshots } from './0004-snapshots.js';
import { storeIdentity } from './0005-store-identity.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';
export const migrations: readonly Migration[] = [eventLog, checkpoints, projectionAdministration, snapshots, storeIdentity];
