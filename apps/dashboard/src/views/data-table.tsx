// A table under its column headings, in the wrapper that scrolls it sideways on a narrow screen.
import type { ComponentChildren } from 'preact';

export function DataTable(props: {
  readonly columns: readonly string[];
  /** Announce changed rows to screen readers ("polite"). */
  readonly live?: 'polite';
  readonly children: ComponentChildren;
}) {
  return (
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
        <tbody aria-live={props.live}>{props.children}</tbody>
      </table>
    </div>
  );
}
