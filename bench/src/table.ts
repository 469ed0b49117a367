// Plain-text tables for the terminal: one per benchmark, numbers right-aligned.

export type Cell = string | number | undefined;

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  readonly notes?: readonly string[];
}

/** A number as people read it: thousands separated, at most `digits` decimals; '–' for none. */
export function formatNumber(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) >= 1000 ? 0 : digits });
}

const cellText = (cell: Cell): string => (typeof cell === 'number' ? formatNumber(cell) : (cell ?? '–'));

/** A ratio as a cell: `1.83×`, or undefined (shown as '–'). */
export const times = (value: number | undefined): string | undefined => (value === undefined ? undefined : `${value.toFixed(2)}×`);

const looksNumeric = (cell: Cell): boolean => cell === undefined || typeof cell === 'number' || /^[-\d.,]+(×| ms)?$/.test(cell);

export function renderTable(table: Table): string {
  const texts = table.rows.map((row) => table.columns.map((_, i) => cellText(row[i])));
  const widths = table.columns.map((column, i) => Math.max(column.length, ...texts.map((row) => row[i]!.length)));
  const numeric = table.columns.map((_, i) => table.rows.length > 0 && table.rows.every((row) => looksNumeric(row[i])));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  return [
    `## ${table.title}`,
    '',
    line(table.columns),
    `|${widths.map((width, i) => (numeric[i] ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`,
    ...texts.map(line),
    ...(table.notes === undefined || table.notes.length === 0 ? [] : ['', ...table.notes.map((note) => `- ${note}`)]),
    '',
  ].join('\n');
}
