// The notifications of the projection store: a committed batch moves a checkpoint; an operator changes how a projection runs.
import type { CheckpointMove } from '@twofold/core';
import { encodeMove } from './change-payloads.js';
import type { PostgresClient } from './postgres-client.js';

/** The notification channel woken after each committed batch. */
export const checkpointsChannel = 'twofold_checkpoints';
/** The notification channel woken when an operator pauses, resumes, rebuilds or retries a projection. */
export const controlChannel = 'twofold_projection_control';

export interface ProjectionNotifications {
  /** A batch committed: a live one says where its checkpoint is now; a rebuild's says nothing readers use. */
  checkpointMoved(move?: CheckpointMove): void;
  /** An operator's change: runners wake on it, and gates see the checkpoint row change too. */
  operatorChanged(): void;
}

export const projectionNotifications = (client: Pick<PostgresClient, 'notify'>): ProjectionNotifications => ({
  checkpointMoved: (move) => client.notify(checkpointsChannel, move === undefined ? undefined : encodeMove(move)),
  operatorChanged: () => {
    client.notify(controlChannel);
    client.notify(checkpointsChannel);
  },
});
