// Hand-written SVG line charts: enough for the two charts of
// docs/performance.md, with no dependency.

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** Draw a marker at each point. */
  markers?: boolean;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Logarithmic y axis (base 10). */
  yLog?: boolean;
  /** Fixed x ticks (value, label); otherwise evenly spaced round numbers. */
  xTicks?: ReadonlyArray<readonly [number, string]>;
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceStep(range: number, target: number): number {
  const raw = range / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * power) return m * power;
  return 10 * power;
}

function label(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (Math.abs(value) >= 1) return String(Number(value.toFixed(2)));
  return String(Number(value.toPrecision(2)));
}

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 760;
  const height = o.height ?? 420;
  const legendCols = Math.max(...o.series.map((x) => x.name.length)) > 28 ? 2 : 3;
  const legendRows = Math.ceil(o.series.length / legendCols);
  const m = { left: 72, right: 24, top: o.subtitle === undefined ? 48 : 64, bottom: 64 + legendRows * 20 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const all = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y).filter((y) => !o.yLog || y > 0);
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  if (o.xTicks !== undefined) {
    xMin = Math.min(xMin, ...o.xTicks.map(([v]) => v));
    xMax = Math.max(xMax, ...o.xTicks.map(([v]) => v));
  }
  if (xMin === xMax) xMax = xMin + 1;
  let yMin: number;
  let yMax: number;
  let yTicks: number[];
  if (o.yLog === true) {
    // Round the ends out to 1, 2 or 5 times a power of ten.
    const steps = (v: number): number[] => [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(v)));
    const lo = Math.min(...ys);
    const hi = Math.max(...ys);
    yMin = Math.max(...steps(lo).filter((v) => v <= lo));
    yMax = Math.min(...steps(hi).filter((v) => v >= hi));
    if (yMin === yMax) yMax = yMin * 10;
    yTicks = [];
    for (let p = Math.floor(Math.log10(yMin)); p <= Math.log10(yMax) + 1e-9; p++) {
      for (const mul of [1, 2, 5]) {
        const v = mul * 10 ** p;
        if (v >= yMin * 0.9999 && v <= yMax * 1.0001) yTicks.push(v);
      }
    }
  } else {
    yMin = 0;
    const step = niceStep(Math.max(...ys) || 1, 6);
    yMax = Math.ceil((Math.max(...ys) || 1) / step) * step;
    yTicks = [];
    for (let v = 0; v <= yMax + step / 2; v += step) yTicks.push(v);
  }
  const sx = (x: number): number => m.left + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number): number =>
    o.yLog === true
      ? m.top + ph - ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * ph
      : m.top + ph - ((y - yMin) / (yMax - yMin)) * ph;
  const xTicks: Array<readonly [number, string]> =
    o.xTicks !== undefined
      ? [...o.xTicks]
      : (() => {
          const step = niceStep(xMax - xMin, 8);
          const ticks: Array<[number, string]> = [];
          for (let v = Math.ceil(xMin / step) * step; v <= xMax + 1e-9; v += step) ticks.push([v, label(v)]);
          return ticks;
        })();

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  );
  if (o.subtitle !== undefined) out.push(`<text x="${width / 2}" y="44" text-anchor="middle" fill="#555">${esc(o.subtitle)}</text>`);
  for (const v of yTicks) {
    const y = sy(v).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#333">${esc(label(v))}</text>`);
  }
  for (const [v, text] of xTicks) {
    const x = sx(v).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle" fill="#333">${esc(text)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph + 36}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(
    `<text x="16" y="${m.top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.top + ph / 2})">${esc(o.yLabel)}${o.yLog === true ? ' (log scale)' : ''}</text>`,
  );
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (o.yLog !== true || y > 0));
    if (pts.length === 0) return;
    const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (s.markers === true) {
      for (const [x, y] of pts) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const col = i % legendCols;
    const row = Math.floor(i / legendCols);
    const lx = m.left + col * (pw / legendCols);
    const ly = m.top + ph + 54 + row * 20;
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
