// One projection in the projections table: status, generation, position, lag against its threshold, dead letters, rebuild.
import type { LiveProjection } from '@twofold/http';

const lagClass = (p: LiveProjection): string => (p.lagMs > p.lagThresholdMs ? 'bad' : p.lagMs > p.lagThresholdMs / 2 ? 'warn' : 'good');

export function ProjectionRow(props: { readonly projection: LiveProjection; readonly progress: string | undefined; readonly onRebuild: () => void }) {
  const p = props.projection;
  return (
    <tr data-projection={p.name}>
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
        <button type="button" onClick={props.onRebuild} disabled={p.rebuild !== null} aria-label={`Rebuild ${p.name}`}>
          Rebuild
        </button>
        <div class="note" role="status" data-cell="rebuild-progress">
          {props.progress}
        </div>
      </td>
    </tr>
  );
}
