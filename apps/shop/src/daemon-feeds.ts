// Views over this process's projector: several daemons as one, and the checkpoint feed a consistency gate listens to.
import type { AppliedBatch, CheckpointListener, ProjectionDaemon, ProjectionStore } from '@twofold/core';

/** One daemon's face over several: statuses and progress of all, started and stopped together. */
export function combined(daemons: readonly ProjectionDaemon[]): ProjectionDaemon {
  return {
    start: () => daemons.forEach((daemon) => daemon.start()),
    stop: async () => void (await Promise.all(daemons.map((daemon) => daemon.stop()))),
    statuses: () => daemons.flatMap((daemon) => daemon.statuses()),
    onProgress(listener) {
      const unsubscribes = daemons.map((daemon) => daemon.onProgress(listener));
      return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
    },
  };
}

/**
 * What a gate listens to: the store's announcements, and the batches this process's projector commits (told at once,
 * not through a notification's round trip) of the read models the gate answers for.
 */
export function checkpointFeed(
  store: Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'>,
  daemon: ProjectionDaemon | undefined,
  names: ReadonlySet<string>,
): Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'> {
  return {
    readCheckpoints: (only) => store.readCheckpoints(only),
    subscribe(listener: CheckpointListener) {
      const fromStore = store.subscribe(listener);
      const fromDaemon = daemon?.onProgress((batch: AppliedBatch) => {
        if (batch.live && names.has(batch.name)) listener([{ name: batch.name, cursor: batch.cursor, lastEventAt: batch.lastEventAt }]);
      });
      return () => {
        fromStore();
        fromDaemon?.();
      };
    },
  };
}
