// The server's live metrics (GET /api/live, server-sent events), kept for the last 5 minutes; views subscribe to it.
import { useEffect, useState } from 'preact/hooks';
import type { LiveMetrics } from '@twofold/http';

export const historySeconds = 300;

export interface LiveState {
  readonly latest: LiveMetrics | undefined;
  /** Oldest first, at most one sample a second for historySeconds. */
  readonly history: readonly LiveMetrics[];
  readonly connected: boolean;
}

let state: LiveState = { latest: undefined, history: [], connected: false };
const listeners = new Set<(state: LiveState) => void>();
let source: EventSource | undefined;

function publish(next: LiveState): void {
  state = next;
  for (const listener of listeners) listener(state);
}

function connect(): void {
  if (source !== undefined) return;
  // EventSource reconnects by itself (the server says retry: 2000)
  source = new EventSource('/api/live');
  source.addEventListener('open', () => publish({ ...state, connected: true }));
  source.addEventListener('error', () => publish({ ...state, connected: false }));
  source.addEventListener('metrics', (event) => {
    const metrics = JSON.parse((event as MessageEvent<string>).data) as LiveMetrics;
    const since = Date.parse(metrics.at) - historySeconds * 1000;
    publish({ latest: metrics, history: [...state.history.filter((m) => Date.parse(m.at) >= since), metrics], connected: true });
  });
}

export function useLive(): LiveState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    connect();
    listeners.add(setCurrent);
    setCurrent(state);
    return () => void listeners.delete(setCurrent);
  }, []);
  return current;
}
