/**
 * The live training chart: loss per step (left axis, scaled to the data) and accuracy per step
 * (right axis, 0–1), each with a moving average so a trend shows through noisy batches.
 */
export interface ChartPoint {
  step: number;
  loss: number;
  accuracy: number;
}

const LOSS_COLOUR = '#d9480f';
const ACCURACY_COLOUR = '#2f66ef';
const SMOOTHING = 0.8;

export class LiveChart {
  private readonly points: ChartPoint[] = [];
  private readonly context: CanvasRenderingContext2D;
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const context = canvas.getContext('2d');
    if (!context) throw new Error('chart: the canvas has no 2d context');
    this.context = context;
    this.draw();
  }

  clear(): void {
    this.points.length = 0;
    this.draw();
  }

  add(point: ChartPoint): void {
    this.points.push(point);
    // Coalesce draws to one per frame; steps can come faster than frames.
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.draw();
      });
    }
  }

  get length(): number {
    return this.points.length;
  }

  draw(): void {
    const { context: g, canvas } = this;
    const width = canvas.width;
    const height = canvas.height;
    const left = 50;
    const right = 50;
    const top = 16;
    const bottom = 28;
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    g.clearRect(0, 0, width, height);
    g.fillStyle = '#fff';
    g.fillRect(0, 0, width, height);
    g.font = '12px system-ui, sans-serif';

    const lastStep = Math.max(1, ...this.points.map((p) => p.step));
    const maxLoss = Math.max(0.1, ...this.points.map((p) => p.loss)) * 1.05;
    const x = (step: number) => left + (plotW * (step - 1)) / Math.max(1, lastStep - 1);
    const yLoss = (v: number) => top + plotH * (1 - v / maxLoss);
    const yAcc = (v: number) => top + plotH * (1 - v);

    g.strokeStyle = '#e3e6ee';
    g.lineWidth = 1;
    g.fillStyle = '#5b6475';
    for (let i = 0; i <= 4; i++) {
      const y = top + (plotH * i) / 4;
      g.beginPath();
      g.moveTo(left, y);
      g.lineTo(left + plotW, y);
      g.stroke();
      g.textAlign = 'right';
      g.fillText((maxLoss * (1 - i / 4)).toFixed(2), left - 6, y + 4);
      g.textAlign = 'left';
      g.fillText((1 - i / 4).toFixed(2), left + plotW + 6, y + 4);
    }
    g.textAlign = 'center';
    g.fillText(this.points.length ? `step ${lastStep}` : 'press Train: loss and accuracy appear here, step by step', left + plotW / 2, height - 8);
    g.textAlign = 'left';
    g.fillStyle = LOSS_COLOUR;
    g.fillText('— loss (left axis)', left, height - 8);
    g.fillStyle = ACCURACY_COLOUR;
    g.textAlign = 'right';
    g.fillText('accuracy (right axis) —', left + plotW, height - 8);
    g.textAlign = 'left';

    this.line((p) => p.loss, x, yLoss, LOSS_COLOUR);
    this.line((p) => p.accuracy, x, yAcc, ACCURACY_COLOUR);
  }

  private line(value: (p: ChartPoint) => number, x: (s: number) => number, y: (v: number) => number, colour: string): void {
    const g = this.context;
    if (this.points.length === 0) return;
    g.globalAlpha = 0.25;
    this.path(this.points.map((p) => [x(p.step), y(value(p))]), colour);
    g.globalAlpha = 1;
    let average = value(this.points[0]);
    this.path(
      this.points.map((p) => {
        average = SMOOTHING * average + (1 - SMOOTHING) * value(p);
        return [x(p.step), y(average)];
      }),
      colour,
      2,
    );
  }

  private path(xy: [number, number][], colour: string, width = 1): void {
    const g = this.context;
    g.strokeStyle = colour;
    g.lineWidth = width;
    g.beginPath();
    xy.forEach(([px, py], i) => (i === 0 ? g.moveTo(px, py) : g.lineTo(px, py)));
    g.stroke();
  }
}
