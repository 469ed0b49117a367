// The live charts of the projections view: lag per projection, and commands and events per second.
import type { LiveMetrics } from '@twofold/http';
import { Chart } from '../chart.js';

export function ProjectionCharts({ history, names }: { readonly history: readonly LiveMetrics[]; readonly names: readonly string[] }) {
  const times = history.map((m) => Date.parse(m.at) / 1000);
  return (
    <div class="charts">
      <Chart
        title="Lag per projection (ms), last 5 minutes"
        unit="ms"
        times={times}
        series={names.map((name) => ({ label: name, values: history.map((m) => m.projections.find((p) => p.name === name)?.lagMs ?? null) }))}
      />
      <Chart
        title="Throughput, last 5 minutes"
        unit="/s"
        times={times}
        series={[
          { label: 'commands/s', values: history.map((m) => m.commandsPerSecond) },
          { label: 'events/s', values: history.map((m) => m.eventsPerSecond) },
        ]}
      />
    </div>
  );
}
