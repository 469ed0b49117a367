// NOTIFY, coalesced per channel: at most one in flight and one per `intervalMs`; a request made while one is in
// flight or waiting is answered by a NOTIFY sent after it (never dropped). Its payload is every payload asked for
// since the last one, a line each; empty (nothing said) when a request had none, or when they would not fit
// PostgreSQL's 8,000 bytes.
import type { Logger } from '@twofold/core';

interface NotifyState {
  pending: boolean;
  inFlight: boolean;
  timer: NodeJS.Timeout | undefined;
  sentAt: number;
  lines: string[];
  bytes: number;
  unsaid: boolean;
}

interface NotifyCoalescer {
  /** Asks for a NOTIFY on `channel` carrying `payload` (if it fits). */
  request(channel: string, payload: string | undefined): void;
  /** Sends nothing more; pending waits are cancelled. */
  close(): void;
}

const maxPayloadBytes = 7_900;

/** Adds `payload` to what the next NOTIFY on this channel says, or gives up saying anything until it is sent. */
function addPayload(state: NotifyState, payload: string | undefined): void {
  state.pending = true;
  if (payload === undefined || payload === '' || payload.includes('\n')) state.unsaid = true;
  else if (!state.unsaid) {
    state.bytes += Buffer.byteLength(payload) + 1;
    if (state.bytes > maxPayloadBytes) state.unsaid = true;
    else state.lines.push(payload);
  }
  if (state.unsaid) state.lines = [];
}

/** Empties the state for the next round and returns the payload of the NOTIFY to send now. */
function takePayload(state: NotifyState): string {
  const payload = state.unsaid ? '' : state.lines.join('\n');
  state.pending = false;
  state.lines = [];
  state.bytes = 0;
  state.unsaid = false;
  state.inFlight = true;
  state.sentAt = Date.now();
  return payload;
}

export function createNotifyCoalescer(send: (channel: string, payload: string) => Promise<unknown>, intervalMs: number, logger: Logger): NotifyCoalescer {
  const notifying = new Map<string, NotifyState>();
  let closed = false;
  function pump(channel: string): void {
    const state = notifying.get(channel);
    if (state === undefined || closed || !state.pending || state.inFlight || state.timer !== undefined) return;
    const waitMs = state.sentAt + intervalMs - Date.now();
    if (waitMs > 0) {
      state.timer = setTimeout(() => {
        state.timer = undefined;
        pump(channel);
      }, waitMs);
      state.timer.unref();
      return;
    }
    send(channel, takePayload(state))
      .catch((error: unknown) => logger.warn({ err: error, channel }, 'NOTIFY failed'))
      .finally(() => {
        state.inFlight = false;
        pump(channel);
      });
  }
  return {
    request(channel, payload) {
      const state = notifying.get(channel) ?? { pending: false, inFlight: false, timer: undefined, sentAt: 0, lines: [], bytes: 0, unsaid: false };
      notifying.set(channel, state);
      addPayload(state, payload);
      pump(channel);
    },
    close() {
      closed = true;
      for (const state of notifying.values()) clearTimeout(state.timer);
    },
  };
}
