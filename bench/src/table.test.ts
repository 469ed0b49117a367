// The terminal table and the SVG chart: numbers readable, markup well formed and escaped.
import { describe, expect, it } from 'vitest';
import { renderBarChart } from './svg-chart.js';
import { formatNumber, renderTable, times } from './table.js';

describe('renderTable', () => {
  it('aligns numeric columns right and text left, with a Markdown separator', () => {
    const text = renderTable({ title: 'append', columns: ['system', 'appends/s', 'ratio'], rows: [['twofold', 12_345.6, times(2.456)], ['emmett', 987.65, undefined]] });
    expect(text).toContain('| system  | appends/s | ratio |');
    expect(text).toContain('|---------|----------:|------:|');
    expect(text).toContain('| twofold |    12,346 | 2.46× |');
    expect(text).toContain('| emmett  |     987.7 |     – |');
  });

  it('formats missing and non-finite figures as a dash', () => {
    expect(formatNumber(undefined)).toBe('–');
    expect(formatNumber(Number.NaN)).toBe('–');
    expect(times(undefined)).toBeUndefined();
  });
});

describe('renderBarChart', () => {
  it('draws one bar per system per group, with the values and escaped labels', () => {
    const svg = renderBarChart({
      title: 'a <b> & c',
      unit: 'appends/s',
      groups: [
        { label: '1 writer', bars: [{ series: 'twofold', value: 3000 }, { series: 'emmett', value: 1200 }], caption: '2.5×' },
        { label: '8 writers', bars: [{ series: 'twofold', value: 9000 }, { series: 'emmett', value: undefined }] },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('a &#60;b&#62; &#38; c');
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="18"/g)).toHaveLength(3);
    expect(svg).toContain('2.5×');
    expect(svg).not.toContain('NaN');
  });
});
