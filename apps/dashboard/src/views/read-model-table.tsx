// A table of read-model rows as the list views show it: how fresh the answer is, the error if any, then the rows.
import type { ComponentChildren } from 'preact';
import type { Freshness } from '../api.js';
import { FreshnessNote } from './freshness-note.js';

export function ReadModelTable(props: {
  readonly freshness: Freshness | undefined;
  /** What the rows are, for the delayed banner ("Balances may be delayed"). */
  readonly what: string;
  readonly error: string;
  readonly columns: readonly string[];
  readonly children: ComponentChildren;
}) {
  return (
    <>
      <FreshnessNote freshness={props.freshness} what={props.what} />
      {props.error === '' ? null : (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              {props.columns.map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{props.children}</tbody>
        </table>
      </div>
    </>
  );
}
