// Projection lag per event: from the event's commit to the first checkpoint at or past it, matched against the daemon's progress log.

/**
 * A committed batch: [epoch ms of the daemon's commit, transaction id, position, epoch ms its process's HTTP thread
 * heard of it]. The two times differ where the daemon runs on a thread of its own: the read model shows the batch to
 * every read from the commit on; a read with a consistency token waits until the HTTP thread has heard of it.
 */
export type ProgressEntry = readonly [number, number, number, number];

/** The same batches, timed by when the HTTP thread heard of each. */
export const asHeard = (progress: readonly ProgressEntry[]): ProgressEntry[] => progress.map(([, transactionId, position, heardMs]) => [heardMs, transactionId, position, heardMs]);

export interface CommittedEvent {
  readonly position: number;
  readonly transactionId: number;
  /** When it was written, epoch ms. */
  readonly committedAtMs: number;
}

const atOrPast = (entry: ProgressEntry, event: CommittedEvent): boolean =>
  entry[1] > event.transactionId || (entry[1] === event.transactionId && entry[2] >= event.position);

/**
 * The lag of each event, in ms (undefined for an event no entry reached). `progress` must be in
 * commit order (cursors only grow), which a daemon's log is.
 */
export function lagsOf(events: readonly CommittedEvent[], progress: readonly ProgressEntry[]): (number | undefined)[] {
  return events.map((event) => {
    let low = 0;
    let high = progress.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (atOrPast(progress[middle]!, event)) high = middle;
      else low = middle + 1;
    }
    const entry = progress[low];
    return entry === undefined ? undefined : Math.max(0, entry[0] - event.committedAtMs);
  });
}
