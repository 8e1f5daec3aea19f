/**
 * A tqdm-like progress bar for a Node terminal. It reaches `process` through globalThis so that
 * this file bundles for browsers unchanged; where there is no terminal it draws nothing and
 * training reports through callbacks and events instead.
 */

interface TtyStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

/** The terminal stream to draw on, or undefined when not in a Node terminal. */
export function terminalStream(): TtyStream | undefined {
  const proc = (globalThis as { process?: { stderr?: TtyStream; versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return undefined;
  const stream = proc.stderr;
  return stream && stream.isTTY ? stream : undefined;
}

export interface ProgressBarOptions {
  /** What is being counted (shown before the bar), e.g. "epoch 1/3". */
  description: string;
  /** Steps expected, when known (the first epoch over a stream may not know it). */
  total?: number;
  unit?: string;
  /** Where to draw; defaults to the terminal's stderr, or nowhere. */
  stream?: TtyStream;
  /** Minimum milliseconds between redraws. */
  minIntervalMs?: number;
}

export class ProgressBar {
  private count = 0;
  private readonly start = Date.now();
  private lastDraw = 0;
  private postfix = '';
  private readonly stream?: TtyStream;
  private closed = false;

  constructor(private readonly opts: ProgressBarOptions) {
    this.stream = opts.stream ?? terminalStream();
  }

  get active(): boolean {
    return this.stream !== undefined;
  }

  update(count: number, postfix?: Record<string, string | number>): void {
    this.count = count;
    if (postfix) {
      this.postfix = Object.entries(postfix)
        .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`)
        .join(', ');
    }
    const now = Date.now();
    if (now - this.lastDraw >= (this.opts.minIntervalMs ?? 100)) {
      this.lastDraw = now;
      this.draw();
    }
  }

  /** Draws the final state and moves to a new line. */
  close(postfix?: Record<string, string | number>): void {
    if (this.closed) return;
    this.closed = true;
    if (postfix) this.update(this.count, postfix);
    this.draw();
    this.stream?.write('\n');
  }

  /** The line as it would be drawn (also used by tests). */
  render(width = this.stream?.columns ?? 100): string {
    const elapsed = (Date.now() - this.start) / 1000;
    const rate = elapsed > 0 ? this.count / elapsed : 0;
    const unit = this.opts.unit ?? 'it';
    const total = this.opts.total;
    const tail = this.postfix ? `, ${this.postfix}` : '';
    if (total && total > 0) {
      const fraction = Math.min(1, this.count / total);
      const eta = rate > 0 ? (total - this.count) / rate : 0;
      const left = `${this.opts.description} ${String(Math.round(fraction * 100)).padStart(3)}%|`;
      const right = `| ${this.count}/${total} [${clock(elapsed)}<${clock(eta)}, ${rate.toFixed(2)}${unit}/s${tail}]`;
      const barWidth = Math.max(10, width - left.length - right.length - 1);
      return left + bar(fraction, barWidth) + right;
    }
    return `${this.opts.description} ${this.count}${unit} [${clock(elapsed)}, ${rate.toFixed(2)}${unit}/s${tail}]`;
  }

  private draw(): void {
    if (!this.stream) return;
    const width = this.stream.columns ?? 100;
    const line = this.render(width);
    this.stream.write(`\r${line.slice(0, width - 1).padEnd(width - 1)}`);
  }
}

const BLOCKS = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

function bar(fraction: number, width: number): string {
  const cells = fraction * width;
  const full = Math.floor(cells);
  const partial = full < width ? BLOCKS[Math.floor((cells - full) * 8)] : '';
  return '█'.repeat(full) + partial + ' '.repeat(Math.max(0, width - full - partial.length));
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${mm}:${ss}`;
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toFixed(4);
}
