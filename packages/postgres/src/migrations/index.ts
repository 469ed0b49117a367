// Every migration of the Twofold schema, in order.
import { eventLog } from './0001-event-log.js';
import { checkpoints } from './0002-checkpoints.js';
import { projectionAdministration } from './0003-projection-administration.js';
import { snapshots } from './0004-snapshots.js';
import { idempotencyKeys } from './0005-idempotency-keys.js';
import { projectionLeases } from './0006-projection-leases.js';
import { streamOrderGuard } from './0007-stream-order-guard.js';
import { storeIdentity } from './0008-store-identity.js';
import { deadlines } from './0009-deadlines.js';
import { personalDataKeys } from './0010-personal-data-keys.js';
import { partitionCheckpoints } from './0011-partition-checkpoints.js';
import { unclaimedDeadlines } from './0012-unclaimed-deadlines.js';
import { deadlineTallies } from './0013-deadline-tallies.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';
export const migrations: readonly Migration[] = [eventLog, checkpoints, projectionAdministration, snapshots, idempotencyKeys, projectionLeases, streamOrderGuard, storeIdentity, deadlines, personalDataKeys, partitionCheckpoints, unclaimedDeadlines, deadlineTallies];
