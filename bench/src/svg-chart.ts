// A grouped bar chart as hand-written SVG: one group per configuration, one bar per system, labels with values.

export interface Bar {
  readonly series: string;
  readonly value: number | undefined;
}

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly Bar[];
  /** Shown under the group, e.g. the ratio to the baseline. */
  readonly caption?: string;
}

export interface BarChart {
  readonly title: string;
  readonly unit: string;
  readonly groups: readonly BarGroup[];
}

const palette = ['#2563eb', '#f97316', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04'];

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const compact = (value: number): string =>
  value >= 1e6 ? `${(value / 1e6).toFixed(1)}M` : value >= 1e4 ? `${Math.round(value / 1e3)}k` : value >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);

export function renderBarChart(chart: BarChart): string {
  const series = [...new Set(chart.groups.flatMap((group) => group.bars.map((bar) => bar.series)))];
  const barWidth = 22;
  const groupGap = 28;
  const left = 60;
  // the legend flows left to right under the title, wrapping; the plot starts below it
  const legendWidth = (name: string): number => 24 + name.length * 6.5;
  const plotHeight = 220;
  const groupWidths = chart.groups.map((group) => group.bars.length * barWidth);
  const width = Math.max(480, left + groupWidths.reduce((sum, w) => sum + w + groupGap, 0) + 20);
  const legend: { name: string; x: number; y: number }[] = [];
  let legendX = left;
  let legendY = 44;
  for (const name of series) {
    if (legendX + legendWidth(name) > width - 10 && legendX > left) {
      legendX = left;
      legendY += 15;
    }
    legend.push({ name, x: legendX, y: legendY });
    legendX += legendWidth(name);
  }
  const top = legendY + 28;
  const height = top + plotHeight + 70;
  const max = Math.max(1, ...chart.groups.flatMap((group) => group.bars.map((bar) => bar.value ?? 0)));
  const y = (value: number): number => top + plotHeight - (value / max) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
    `<text x="${left}" y="36" fill="#555">${escapeXml(chart.unit)}</text>`,
  ];
  legend.forEach(({ name, x, y: at }, i) => {
    parts.push(`<rect x="${x}" y="${at}" width="10" height="10" fill="${palette[i % palette.length]}"/>`, `<text x="${x + 14}" y="${at + 9}">${escapeXml(name)}</text>`);
  });
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const value = max * fraction;
    parts.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(value)}" y2="${y(value)}" stroke="#e5e7eb"/>`,
      `<text x="${left - 6}" y="${y(value) + 4}" text-anchor="end" fill="#555">${compact(value)}</text>`,
    );
  }
  let x = left + groupGap / 2;
  chart.groups.forEach((group, g) => {
    group.bars.forEach((bar, b) => {
      const color = palette[series.indexOf(bar.series) % palette.length];
      const barX = x + b * barWidth;
      if (bar.value !== undefined && Number.isFinite(bar.value)) {
        parts.push(
          `<rect x="${barX + 2}" y="${y(bar.value)}" width="${barWidth - 4}" height="${top + plotHeight - y(bar.value)}" fill="${color}"><title>${escapeXml(`${bar.series}: ${bar.value}`)}</title></rect>`,
          `<text x="${barX + barWidth / 2}" y="${y(bar.value) - 3}" text-anchor="middle" font-size="9">${compact(bar.value)}</text>`,
        );
      }
    });
    const centre = x + groupWidths[g]! / 2;
    parts.push(`<text x="${centre}" y="${top + plotHeight + 16}" text-anchor="middle">${escapeXml(group.label)}</text>`);
    if (group.caption !== undefined) parts.push(`<text x="${centre}" y="${top + plotHeight + 31}" text-anchor="middle" fill="#555">${escapeXml(group.caption)}</text>`);
    x += groupWidths[g]! + groupGap;
  });
  parts.push(`<line x1="${left}" x2="${width - 10}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#333"/>`, '</svg>');
  return `${parts.join('\n')}\n`;
}
