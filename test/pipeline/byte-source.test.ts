import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteChunks, rawChunks, type ByteInput, type SourceInput } from '../../src/pipeline/byte-source';
import { DataError } from '../../src/pipeline/errors';
import { readCsv } from '../../src/pipeline/read-csv';
import { completeLength, firstInvalidUtf8, textChunks } from '../../src/pipeline/text-decode';

const TRAIN = path.resolve(__dirname, '../../../shared/data/amazon-fine-foods/train.csv');
const CSV = 'name,note\r\n"Zoë","a, ""quoted"" €"\r\nBo,plain\r\n';
const ROWS = [
  { name: 'Zoë', note: 'a, "quoted" €' },
  { name: 'Bo', note: 'plain' },
];
const encoder = new TextEncoder();

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

let tmp: string;
let server: http.Server;
let base: string;
/** Requests the test server has seen, and whether each response was cut short. */
const served: { url: string; closed: boolean }[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-bytes-'));
  fs.writeFileSync(path.join(tmp, 'data.csv'), CSV);
  server = http.createServer((req, res) => {
    const entry = { url: req.url ?? '', closed: false };
    served.push(entry);
    res.on('close', () => (entry.closed = !res.writableFinished));
    if (req.url === '/data.csv') {
      res.writeHead(200, { 'content-type': 'text/csv' });
      // Sent in two writes, so the body arrives as a real stream.
      res.write(CSV.slice(0, 20));
      setImmediate(() => res.end(CSV.slice(20)));
    } else if (req.url === '/endless') {
      // A body that never ends: only an abort can stop reading it.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a\n');
      const timer = setInterval(() => res.write('1\n'), 5);
      res.on('close', () => clearInterval(timer));
    } else {
      res.writeHead(404, 'Not Found');
      res.end('no such file');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('every input kind reads the same CSV', () => {
  const kinds: [string, () => ByteInput][] = [
    ['a file path', () => path.join(tmp, 'data.csv')],
    ['a file: URL', () => pathToFileURL(path.join(tmp, 'data.csv'))],
    ['an http URL (string)', () => `${base}/data.csv`],
    ['an http URL (URL object)', () => new URL(`${base}/data.csv`)],
    ['a Blob', () => new Blob([CSV])],
    ['a File', () => new File([CSV], 'data.csv')],
    ['a ReadableStream', () => new Blob([CSV]).stream()],
    ['a Uint8Array', () => encoder.encode(CSV)],
    ['an async iterable of strings', () => (async function* () { yield* ['name,note\r', '\n"Zo', 'ë","a, ""quoted"" €"\r\nBo,plain\r\n']; })()],
    [
      'an async iterable of bytes, cut inside characters',
      () =>
        (async function* () {
          const bytes = encoder.encode(CSV);
          for (let i = 0; i < bytes.length; i += 3) yield bytes.slice(i, i + 3);
        })(),
    ],
    ['an array of strings', () => [CSV.slice(0, 7), CSV.slice(7)]],
    ['a Node Readable stream', () => fs.createReadStream(path.join(tmp, 'data.csv'), { highWaterMark: 8 })],
  ];
  for (const [kind, make] of kinds) {
    it(kind, async () => {
      expect(await collect(readCsv(make()))).toEqual(ROWS);
      // The factory form re-opens the input for each iteration.
      const twice = readCsv(make);
      expect(await collect(twice)).toEqual(ROWS);
      expect(await collect(twice)).toEqual(ROWS);
    });
  }

  it('a Node Readable is one-shot: a second iteration says so', async () => {
    const rows = readCsv(fs.createReadStream(path.join(tmp, 'data.csv')));
    expect(await collect(rows)).toEqual(ROWS);
    await expect(collect(rows)).rejects.toThrow(/can be read only once/);
  });

  it('byteChunks gives the bytes of every kind, strings encoded as UTF-8', async () => {
    const bytes = concat(await collect(byteChunks(['Zo', 'ë', encoder.encode('!')])));
    expect(new TextDecoder().decode(bytes)).toBe('Zoë!');
    const file = concat(await collect(byteChunks(TRAIN, { chunkSize: 65536 })));
    expect(file.length).toBe(fs.statSync(TRAIN).size);
  });

  it('names the source in errors: path, URL, File name, <blob>, <stream>', async () => {
    const bad = 'a,b\n1\n';
    const lineOf = async (input: SourceInput) => {
      const err = await collect(readCsv(input)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      return (err as DataError).message;
    };
    expect(await lineOf(new File([bad], 'reviews.csv'))).toMatch(/^reviews\.csv, line 2: expected 2 fields/);
    expect(await lineOf(new Blob([bad]))).toMatch(/^<blob>, line 2:/);
    expect(await lineOf(new Blob([bad]).stream())).toMatch(/^<stream>, line 2:/);
    expect(await lineOf([bad])).toMatch(/^<iterable>, line 2:/);
  });
});

describe('fetching URLs', () => {
  it('an HTTP error is a DataError naming the URL and the status', async () => {
    const url = `${base}/missing.csv`;
    const err = await collect(readCsv(url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(`${url}: cannot fetch: HTTP 404 Not Found`);
  });

  it('an unreachable server is a DataError', async () => {
    // Port 1 on loopback: nothing listens there.
    const err = await collect(readCsv('http://127.0.0.1:1/x.csv')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/^http:\/\/127\.0\.0\.1:1\/x\.csv: cannot fetch \(/);
  });

  it('aborting stops an endless download and closes the connection', async () => {
    const controller = new AbortController();
    let rows = 0;
    const reading = (async () => {
      for await (const _ of readCsv(`${base}/endless`, { signal: controller.signal })) {
        if (++rows === 3) controller.abort(new Error('enough'));
      }
    })();
    await expect(reading).rejects.toThrow('enough');
    expect(rows).toBe(3);
    const entry = served.find((s) => s.url === '/endless')!;
    // The server sees the connection go away (it would otherwise write forever).
    await waitFor(() => entry.closed);
    expect(entry.closed).toBe(true);
  });
});

/** Resolves once `condition` holds, checking on each turn of the event loop (no timeout). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('aborting other inputs', () => {
  it('a ReadableStream whose next chunk never comes: the pending read is abandoned and the stream cancelled', async () => {
    let cancelled: unknown;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encoder.encode('a\n1\n'));
      },
      cancel(reason) {
        cancelled = reason ?? 'cancelled';
      },
    });
    const controller = new AbortController();
    const reading = collect(rawChunks(stream, { signal: controller.signal }));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('stop'));
    await expect(reading).rejects.toThrow('stop');
    expect(cancelled).toBeDefined();
  });

  it('an async iterable stuck in next(): the abort still ends the iteration', async () => {
    async function* stuck(): AsyncGenerator<string> {
      yield 'a\n1\n';
      await new Promise(() => undefined);
    }
    const controller = new AbortController();
    const got: unknown[] = [];
    const reading = (async () => {
      for await (const row of readCsv(stuck(), { signal: controller.signal })) {
        got.push(row);
        controller.abort(new Error('stop'));
      }
    })();
    await expect(reading).rejects.toThrow('stop');
    expect(got).toEqual([{ a: '1' }]);
  });
});

describe('UTF-8 decoding', () => {
  it('finds the first invalid byte exactly where a fatal TextDecoder refuses (property)', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    // Mostly-valid byte strings: UTF-8 of random text with random bytes spliced in.
    const bytes = fc
      .tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }))
      .map(([text, splices]) => {
        const b = Array.from(encoder.encode(text));
        for (const [at, value] of splices) b.splice(at % (b.length + 1), 0, value);
        return Uint8Array.from(b);
      });
    fc.assert(
      fc.property(bytes, (b) => {
        const bad = firstInvalidUtf8(b);
        let valid = true;
        try {
          decoder.decode(b);
        } catch {
          valid = false;
        }
        expect(bad === -1).toBe(valid);
        if (bad >= 0) {
          // Everything before the bad byte decodes; the bad byte starts no valid character.
          expect(() => decoder.decode(b.subarray(0, bad))).not.toThrow();
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('completeLength never cuts a valid character, and keeps at most 3 bytes back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 10 }), fc.nat(), (text, at) => {
        const b = encoder.encode(text);
        const cutAt = at % (b.length + 1);
        const head = b.subarray(0, cutAt);
        const keep = completeLength(head);
        expect(cutAt - keep).toBeLessThanOrEqual(3);
        expect(() => new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, keep))).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes text cut at every byte, and drops a BOM only at the start', async () => {
    const text = '\uFEFFå€😀\uFEFFz';
    const bytes = encoder.encode(text);
    const pieces = Array.from(bytes, (b) => Uint8Array.of(b));
    expect((await collect(textChunks(pieces))).join('')).toBe(text.slice(1));
  });

  it('a file that ends inside a character', async () => {
    const err = await collect(textChunks([encoder.encode('ok\nab'), Uint8Array.of(0xe2, 0x82)])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe('<iterable>, line 2, column 3: invalid UTF-8: the input ends inside a multi-byte character; expected UTF-8 text');
  });
});

describe('browser bundles', () => {
  it('src/pipeline (the whole barrel) bundles for the browser with no Node module in it', async () => {
    const result = await esbuild.build({
      entryPoints: [path.resolve(__dirname, '../../src/pipeline/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    expect(code).toContain('readCsv');
    expect(code).not.toMatch(/require\(["']node:|from ["']node:|import\(["']node:/);
    // The browser's message for a file path, instead of a crash on a missing module.
    const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
    const proc = (globalThis as { process?: unknown }).process;
    Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
    try {
      const err = await collect(mod.readCsv('train.csv')).catch((e: unknown) => e);
      expect((err as Error).message).toBe('train.csv: a file path can only be read in Node; in a browser pass a URL, a Blob/File or a ReadableStream');
      expect(await collect(mod.readCsv(new Blob(['a\n1\n'])))).toEqual([{ a: '1' }]);
      // In a page, a path is a URL relative to the page.
      Object.defineProperty(globalThis, 'location', { value: { href: `${base}/app/index.html` }, configurable: true });
      expect(await collect(mod.readCsv('../data.csv'))).toEqual(ROWS);
    } finally {
      Object.defineProperty(globalThis, 'process', { value: proc, configurable: true, writable: true });
      delete (globalThis as { location?: unknown }).location;
    }
  });
});
