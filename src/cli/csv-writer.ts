import * as fs from 'node:fs';
import { once } from 'node:events';

/** One RFC 4180 field: quoted only when it holds a comma, quote or line break. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes CSV rows to a file with CRLF line ends, respecting the stream's backpressure. */
export class CsvWriter {
  private readonly stream: fs.WriteStream;
  private failure: Error | undefined;

  constructor(readonly file: string) {
    this.stream = fs.createWriteStream(file);
    this.stream.on('error', (err) => (this.failure = new Error(`cannot write ${file}: ${err.message}`)));
  }

  async write(fields: (string | number)[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(`${fields.map(csvField).join(',')}\r\n`)) {
      await once(this.stream, 'drain');
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    if (this.failure) throw this.failure;
  }
}
