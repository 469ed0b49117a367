// A table of read-model rows as the list views show it: how fresh the answer is, the error if any, then the rows.
import type { ComponentChildren } from 'preact';
import type { Freshness } from '../api.js';
import { DataTable } from './data-table.js';
import { ErrorAlert } from './error-alert.js';
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
      <ErrorAlert message={props.error} />
      <DataTable columns={props.columns}>{props.children}</DataTable>
    </>
  );
}
