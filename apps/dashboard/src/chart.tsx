// A uPlot time series chart that redraws from the live history it is given.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

export interface ChartProps {
  readonly title: string;
  /** Unix seconds, oldest first. */
  readonly times: readonly number[];
  readonly series: readonly Series[];
  readonly unit: string;
}

const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

export function Chart({ title, times, series, unit }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const labels = series.map((s) => s.label).join('|');

  // one plot per set of series; new data only updates it
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const width = Math.max(280, element.clientWidth);
    plot.current = new uPlot(
      {
        width,
        height: 220,
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 2, value: (_u: uPlot, v: number | null) => (v == null ? '—' : `${v} ${unit}`) }))],
        axes: [{}, { label: unit, size: 60 }],
        scales: { x: { time: true } },
        legend: { live: false },
      },
      [[], ...series.map(() => [])],
      element,
    );
    const resize = (): void => plot.current?.setSize({ width: Math.max(280, element.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [labels, unit]);

  useEffect(() => {
    plot.current?.setData([[...times], ...series.map((s) => [...s.values])] as uPlot.AlignedData);
  });

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: a line chart of the last 5 minutes`} />
    </figure>
  );
}
