// Rebuilds asked for from the page, and how each is going: requested, building (how far), swapped in, or refused.
import { useState } from 'preact/hooks';
import type { LiveMetrics, LiveProjection } from '@twofold/http';
import { call } from '../api.js';

export function useRebuilds(latest: LiveMetrics | undefined) {
  const [messages, setMessages] = useState<Record<string, string>>({});
  // the generation each projection had when its rebuild was asked for: a new one means it was swapped in
  const [rebuildFrom, setRebuildFrom] = useState<Record<string, number | null>>({});

  async function rebuild(projection: LiveProjection): Promise<void> {
    setMessages((m) => ({ ...m, [projection.name]: 'rebuild requested…' }));
    setRebuildFrom((r) => ({ ...r, [projection.name]: projection.generation }));
    const result = await call('POST', `/api/projections/${encodeURIComponent(projection.name)}/rebuild`);
    setMessages((m) => ({ ...m, [projection.name]: result.ok ? 'rebuilding beside the live generation…' : `refused: ${result.error.message}` }));
  }

  const progressOf = (p: LiveProjection): string | undefined => {
    const message = messages[p.name];
    if (p.rebuild !== null) {
      const done = latest === undefined || latest.headPosition === 0 ? 100 : Math.floor((p.rebuild.position / latest.headPosition) * 100);
      return `building generation ${p.rebuild.generation}: ${done}% (${p.rebuild.lagEvents} events behind)`;
    }
    const from = rebuildFrom[p.name];
    if (from !== undefined && p.generation !== from) return `rebuilt: generation ${from ?? '—'} → ${p.generation ?? '—'} swapped in`;
    return message;
  };

  return { rebuild, progressOf };
}
