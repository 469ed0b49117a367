// Where the event stream ends, as last asked of its leader: a tail follower that stays behind it is stalled.
import type { JetStreamManager } from '@nats-io/jetstream';

export interface StreamEnd {
  /** The highest last sequence any answer gave (0 before the first). */
  readonly lastSequence: number;
  /** Asks again unless an ask is under way; never awaited: during an election it may take seconds. */
  refresh(jsm: JetStreamManager): void;
}

export function streamEnd(streamName: string): StreamEnd {
  let lastSequence = 0;
  let asking = false;
  return {
    get lastSequence() {
      return lastSequence;
    },
    refresh(jsm) {
      if (asking) return;
      asking = true;
      void jsm.streams.info(streamName).then(
        (info) => void (lastSequence = Math.max(lastSequence, info.state.last_seq)),
        () => undefined,
      ).finally(() => (asking = false));
    },
  };
}
