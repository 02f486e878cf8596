const WIDTH = 120;
const HEIGHT = 28;
const PAD = 2;

/** The points of a line through `values`, scaled into the box (a flat line when all are equal). */
export function sparklinePoints(values: readonly number[], width = WIDTH, height = HEIGHT): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = values.length > 1 ? (width - 2 * PAD) / (values.length - 1) : 0;
  return values
    .map((value, index) => {
      const x = PAD + index * step;
      const y = max === min ? height / 2 : height - PAD - ((value - min) / span) * (height - 2 * PAD);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  if (values.length === 0) return <span className="muted">no data</span>;
  return (
    <svg className="sparkline" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
      <polyline points={sparklinePoints(values)} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
