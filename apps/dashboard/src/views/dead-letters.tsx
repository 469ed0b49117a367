// One projection's dead letters: the events it parked, with retry (after a fix) and drop.
import { useEffect, useState } from 'preact/hooks';
import { call, dateTime, get } from '../api.js';
import { DataTable } from './data-table.js';

interface DeadLetters {
  readonly projection: string;
  readonly deadLetters: readonly {
    readonly id: number;
    readonly error: string;
    readonly parkedAt: string;
    readonly event: { readonly type: string; readonly streamId: string; readonly streamVersion: number; readonly globalPosition: number };
  }[];
}

export function DeadLettersView({ name }: { readonly name: string }) {
  const [letters, setLetters] = useState<DeadLetters | undefined>(undefined);
  const [message, setMessage] = useState('');
  const base = `/api/projections/${encodeURIComponent(name)}/dead-letters`;
  const load = async (): Promise<void> => {
    const result = await get<DeadLetters>(base);
    if (result.ok) setLetters(result.body);
    else setMessage(result.error.message);
  };
  useEffect(() => void load(), [name]);
  const act = async (method: string, path: string, done: string): Promise<void> => {
    const result = await call(method, path);
    setMessage(result.ok ? done : result.error.message);
    await load();
  };
  return (
    <section aria-labelledby="dl-title">
      <p>
        <a href="#/projections">← Projections</a>
      </p>
      <h1 tabIndex={-1} id="dl-title">Dead letters of {name}</h1>
      <div class="actions">
        <button type="button" onClick={() => void act('POST', `${base}/retry`, 'retry requested: the projector applies them again, in order')}>
          Retry all
        </button>
        <button type="button" onClick={() => void act('DELETE', base, 'dropped (the events stay in the event store)')}>
          Drop all
        </button>
      </div>
      <p role="status">{message}</p>
      {letters === undefined ? (
        <p class="muted">loading…</p>
      ) : letters.deadLetters.length === 0 ? (
        <p>No dead letters: every event was applied.</p>
      ) : (
        <DataTable columns={['Parked', 'Event', 'Stream', 'Position', 'Error']}>
          {letters.deadLetters.map((l) => (
            <tr key={l.id}>
              <td>{dateTime(l.parkedAt)}</td>
              <td>{l.event.type}</td>
              <td>
                {l.event.streamId}@{l.event.streamVersion}
              </td>
              <td>{l.event.globalPosition}</td>
              <td>{l.error}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
