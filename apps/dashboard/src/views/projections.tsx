// Projections: every read model's status, position and lag against its threshold, live charts, rebuild, dead letters.
import { useState } from 'preact/hooks';
import { call } from '../api.js';
import { Chart } from '../chart.js';
import { useLive } from '../live.js';
import type { LiveProjection } from '@twofold/http';

const lagClass = (p: LiveProjection): string => (p.lagMs > p.lagThresholdMs ? 'bad' : p.lagMs > p.lagThresholdMs / 2 ? 'warn' : 'good');

export function ProjectionsView() {
  const live = useLive();
  const [messages, setMessages] = useState<Record<string, string>>({});
  const [rebuildFrom, setRebuildFrom] = useState<Record<string, number | null>>({});
  const latest = live.latest;
  const times = live.history.map((m) => Date.parse(m.at) / 1000);
  const names = latest?.projections.map((p) => p.name) ?? [];

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

  return (
    <section aria-labelledby="projections-title">
      <h1 tabIndex={-1} id="projections-title">Projections</h1>
      <p class="muted">
        {latest === undefined ? 'waiting for the server’s live metrics…' : `head of the log: position ${latest.headPosition} · ${latest.commandsPerSecond} commands/s · ${latest.eventsPerSecond} events/s`}
        {!live.connected && latest !== undefined ? ' · reconnecting…' : ''}
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Projection</th>
              <th scope="col">Status</th>
              <th scope="col">Generation</th>
              <th scope="col">Position</th>
              <th scope="col">Lag (events)</th>
              <th scope="col">Lag (ms) / threshold</th>
              <th scope="col">Dead letters</th>
              <th scope="col">Rebuild</th>
            </tr>
          </thead>
          <tbody>
            {latest?.projections.map((p) => (
              <tr key={p.name} data-projection={p.name}>
                <th scope="row">{p.name}</th>
                <td>
                  <span class={`status status-${p.status}`}>{p.status}</span>
                </td>
                <td data-cell="generation">{p.generation ?? '—'}</td>
                <td>{p.position}</td>
                <td class={lagClass(p)}>{p.lagEvents}</td>
                <td class={lagClass(p)}>
                  {p.lagMs} / {p.lagThresholdMs}
                </td>
                <td>
                  <a href={`#/projections/${encodeURIComponent(p.name)}/dead-letters`}>{p.deadLetters} dead letters</a>
                </td>
                <td>
                  <button type="button" onClick={() => void rebuild(p)} disabled={p.rebuild !== null} aria-label={`Rebuild ${p.name}`}>
                    Rebuild
                  </button>
                  <div class="note" role="status" data-cell="rebuild-progress">
                    {progressOf(p)}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="charts">
        <Chart
          title="Lag per projection (ms), last 5 minutes"
          unit="ms"
          times={times}
          series={names.map((name) => ({ label: name, values: live.history.map((m) => m.projections.find((p) => p.name === name)?.lagMs ?? null) }))}
        />
        <Chart
          title="Throughput, last 5 minutes"
          unit="/s"
          times={times}
          series={[
            { label: 'commands/s', values: live.history.map((m) => m.commandsPerSecond) },
            { label: 'events/s', values: live.history.map((m) => m.eventsPerSecond) },
          ]}
        />
      </div>
    </section>
  );
}
