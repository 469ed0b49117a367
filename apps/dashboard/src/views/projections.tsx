// Projections: every read model's status, position and lag against its threshold, live charts, rebuild, dead letters.
import { useLive } from '../live.js';
import { DataTable } from './data-table.js';
import { ProjectionCharts } from './projection-charts.js';
import { ProjectionRow } from './projection-row.js';
import { useRebuilds } from './rebuilds.js';

const columns = ['Projection', 'Status', 'Generation', 'Position', 'Lag (events)', 'Lag (ms) / threshold', 'Dead letters', 'Rebuild'];

export function ProjectionsView() {
  const live = useLive();
  const latest = live.latest;
  const { rebuild, progressOf } = useRebuilds(latest);

  return (
    <section aria-labelledby="projections-title">
      <h1 tabIndex={-1} id="projections-title">Projections</h1>
      <p class="muted">
        {latest === undefined ? 'waiting for the server’s live metrics…' : `head of the log: position ${latest.headPosition} · ${latest.commandsPerSecond} commands/s · ${latest.eventsPerSecond} events/s`}
        {!live.connected && latest !== undefined ? ' · reconnecting…' : ''}
      </p>
      <DataTable columns={columns}>
        {latest?.projections.map((p) => (
          <ProjectionRow key={p.name} projection={p} progress={progressOf(p)} onRebuild={() => void rebuild(p)} />
        ))}
      </DataTable>
      <ProjectionCharts history={live.history} names={latest?.projections.map((p) => p.name) ?? []} />
    </section>
  );
}
