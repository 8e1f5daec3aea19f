import type { History } from './fit';

export interface CurveOptions {
  title?: string;
  width?: number;
  height?: number;
  /** Per-step training losses (from fit's onBatchEnd), drawn smoothed behind the epoch points. */
  stepLosses?: number[];
}

/**
 * A self-contained SVG of a training run: training loss per step (smoothed) and per epoch,
 * validation loss, accuracy and macro-F1 per epoch. Plain string output, so it works in Node
 * (write it to a file) and in a browser (put it in the page).
 */
export function trainingCurveSvg(history: History, opts: CurveOptions = {}): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 360;
  const margin = { left: 56, right: 56, top: 36, bottom: 44 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const epochs = history.epochs;
  const steps = opts.stepLosses ?? [];
  const stepsPerEpoch = epochs.length ? epochs[0].batches : 1;
  const totalSteps = Math.max(steps.length, epochs.reduce((n, e) => n + e.batches, 0), 1);

  const losses = [...epochs.map((e) => e.loss), ...epochs.flatMap((e) => (e.validation ? [e.validation.loss] : []))];
  const smoothed = smooth(steps, Math.max(1, Math.round(stepsPerEpoch / 10)));
  const lossMax = Math.max(0.1, ...losses, ...smoothed) * 1.05;
  const x = (step: number) => margin.left + (step / totalSteps) * plotW;
  const yLoss = (v: number) => margin.top + plotH - (Math.min(v, lossMax) / lossMax) * plotH;
  const yRate = (v: number) => margin.top + plotH - v * plotH;
  let cumulative = 0;
  const epochEnds = epochs.map((e) => (cumulative += e.batches));

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(opts.title ?? 'Training')}</text>`);
  // Axes and grid.
  for (let i = 0; i <= 4; i++) {
    const y = margin.top + (plotH * i) / 4;
    parts.push(`<line x1="${margin.left}" y1="${y}" x2="${margin.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y + 4}" text-anchor="end" fill="#c0392b">${(lossMax * (1 - i / 4)).toFixed(2)}</text>`);
    parts.push(`<text x="${margin.left + plotW + 6}" y="${y + 4}" fill="#2471a3">${(1 - i / 4).toFixed(2)}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  epochEnds.forEach((end, i) => {
    parts.push(`<line x1="${x(end)}" y1="${margin.top}" x2="${x(end)}" y2="${margin.top + plotH}" stroke="#ccc" stroke-dasharray="3 3"/>`);
    parts.push(`<text x="${x(end)}" y="${margin.top + plotH + 16}" text-anchor="middle">epoch ${i + 1}</text>`);
  });
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">training steps (${totalSteps})</text>`);
  parts.push(`<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#c0392b">loss</text>`);
  parts.push(`<text transform="translate(${width - 10} ${margin.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="#2471a3">accuracy / macro-F1</text>`);

  if (smoothed.length > 1) parts.push(polyline(smoothed.map((v, i) => [x(i + 1), yLoss(v)]), '#f1948a', 1));
  parts.push(polyline(epochs.map((e, i) => [x(epochEnds[i]), yLoss(e.loss)]), '#c0392b', 2, true));
  const val = epochs.map((e, i) => ({ e, end: epochEnds[i] })).filter(({ e }) => e.validation);
  if (val.length) {
    parts.push(polyline(val.map(({ e, end }) => [x(end), yLoss(e.validation!.loss)]), '#c0392b', 2, true, '6 3'));
    parts.push(polyline(val.map(({ e, end }) => [x(end), yRate(e.validation!.accuracy)]), '#2471a3', 2, true));
    parts.push(polyline(val.map(({ e, end }) => [x(end), yRate(e.validation!.macroF1)]), '#2471a3', 2, true, '6 3'));
  }
  const legend: [string, string, string?][] = [
    ['#f1948a', 'train loss (per step, smoothed)'],
    ['#c0392b', 'train loss (epoch)'],
    ...(val.length
      ? ([
          ['#c0392b', 'validation loss', '6 3'],
          ['#2471a3', 'validation accuracy'],
          ['#2471a3', 'validation macro-F1', '6 3'],
        ] as [string, string, string?][])
      : []),
  ];
  // Bottom left: losses fall towards it late in training, accuracies sit high, so it is the emptiest corner.
  const legendTop = margin.top + plotH - 8 - legend.length * 15;
  parts.push(`<rect x="${margin.left + 6}" y="${legendTop - 4}" width="220" height="${legend.length * 15 + 6}" fill="white" fill-opacity="0.85" stroke="#ddd"/>`);
  legend.forEach(([color, label, dash], i) => {
    const ly = legendTop + 12 + i * 15;
    const lx = margin.left + 12;
    parts.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    parts.push(`<text x="${lx + 28}" y="${ly}">${escapeXml(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function polyline(points: number[][], color: string, width: number, dots = false, dash?: string): string {
  const pts = points.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
  let s = `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
  if (dots) s += points.map(([a, b]) => `<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${color}"/>`).join('');
  return s;
}

function smooth(values: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
