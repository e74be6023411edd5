/**
 * A small line chart as SVG text, for density's "drops % and p99 against camera count": one x axis,
 * a left and a right y axis, a series on either, dashed reference lines (the budget) and a legend.
 * A few dozen elements, so written by hand rather than pulling a charting library into the bench.
 */

export interface ChartSeries {
  name: string;
  /** y for each x; null leaves a gap (a level that produced no number). */
  values: readonly (number | null)[];
  axis: 'left' | 'right';
  color: string;
}

export interface ReferenceLine {
  axis: 'left' | 'right';
  value: number;
  label: string;
  color: string;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  leftLabel: string;
  rightLabel: string;
  x: readonly number[];
  series: readonly ChartSeries[];
  lines?: readonly ReferenceLine[];
  width?: number;
  height?: number;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Ticks at 1, 2 or 5 x 10^k covering [lo, hi] in about `count` steps; the last tick is >= hi. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi > lo ? hi - lo : Math.max(Math.abs(hi), 1);
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = start; v < hi + step * 0.999 && ticks.length < 50; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks.length < 2) ticks.push(Number((start + step).toPrecision(12)));
  return ticks;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(3).replace(/\.?0+$/, ''));
const px = (v: number): string => v.toFixed(1);

export function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 400;
  const m = { left: 64, right: 64, top: 40, bottom: 72 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const xTicks = niceTicks(Math.min(0, ...spec.x), Math.max(1, ...spec.x));
  const xMax = xTicks.at(-1) as number;
  const xMin = xTicks[0] as number;
  const yTicksOf = (axis: 'left' | 'right'): number[] => {
    const values = spec.series
      .filter((s) => s.axis === axis)
      .flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
    const refs = (spec.lines ?? []).filter((l) => l.axis === axis).map((l) => l.value);
    return niceTicks(0, Math.max(1e-9, ...values, ...refs) * 1.05);
  };
  const yTicks = { left: yTicksOf('left'), right: yTicksOf('right') };
  const sx = (x: number): number => m.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (axis: 'left' | 'right', y: number): number => m.top + plotH - (y / (yTicks[axis].at(-1) as number)) * plotH;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(spec.title)}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
  ];
  for (const t of xTicks) {
    const x = px(sx(t));
    out.push(
      `<line x1="${x}" y1="${m.top + plotH}" x2="${x}" y2="${m.top + plotH + 5}" stroke="#444"/>`,
      `<text x="${x}" y="${m.top + plotH + 18}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  for (const axis of ['left', 'right'] as const) {
    const edge = axis === 'left' ? m.left : m.left + plotW;
    for (const t of yTicks[axis]) {
      const y = px(sy(axis, t));
      const tick = axis === 'left' ? edge - 5 : edge + 5;
      out.push(
        `<line x1="${edge}" y1="${y}" x2="${tick}" y2="${y}" stroke="#444"/>`,
        `<text x="${axis === 'left' ? tick - 3 : tick + 3}" y="${y}" dy="4" text-anchor="${axis === 'left' ? 'end' : 'start'}">${fmt(t)}</text>`,
      );
      if (axis === 'left') out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + plotW}" y2="${y}" stroke="#eee"/>`);
    }
    const lx = axis === 'left' ? 16 : width - 16;
    const ly = m.top + plotH / 2;
    out.push(
      `<text x="${lx}" y="${ly}" text-anchor="middle" transform="rotate(-90 ${lx} ${ly})">${escapeXml(axis === 'left' ? spec.leftLabel : spec.rightLabel)}</text>`,
    );
  }
  out.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 40}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  for (const l of spec.lines ?? []) {
    const y = px(sy(l.axis, l.value));
    // Each label at its own axis's end, so two lines close together do not print over each other.
    const [lx, anchor] = l.axis === 'left' ? [m.left + 4, 'start'] : [m.left + plotW - 4, 'end'];
    out.push(
      `<line x1="${m.left}" y1="${y}" x2="${m.left + plotW}" y2="${y}" stroke="${l.color}" stroke-dasharray="6 4"/>`,
      `<text x="${lx}" y="${y}" dy="-4" text-anchor="${anchor}" fill="${l.color}">${escapeXml(l.label)}</text>`,
    );
  }
  let legendX = m.left;
  for (const s of spec.series) {
    const points = spec.x
      .map((x, k) => [x, s.values[k] ?? null] as const)
      .filter((p): p is readonly [number, number] => p[1] !== null && Number.isFinite(p[1]));
    const coords = points.map(([x, y]) => `${px(sx(x))},${px(sy(s.axis, y))}`);
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    if (coords.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${coords.join(' ')}"/>`);
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="3.5" fill="${s.color}"/>`);
    }
    out.push('</g>');
    const label = `${s.name} (${s.axis} axis)`;
    const ly = height - 14;
    out.push(
      `<line x1="${legendX}" y1="${ly - 4}" x2="${legendX + 24}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${legendX + 30}" y="${ly}">${escapeXml(label)}</text>`,
    );
    // About 6.5 px a character at 12 px sans-serif: enough to keep legend entries apart without measuring text.
    legendX += 30 + label.length * 6.5 + 24;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
