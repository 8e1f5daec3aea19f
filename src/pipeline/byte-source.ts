/**
 * Turns whatever a user has in hand — a file path (Node), a URL, a Blob/File, a
 * ReadableStream, an (async) iterable of strings or bytes — into one re-iterable stream of
 * chunks. Each iteration re-opens the input, so a dataset built on it can run many epochs.
 *
 * Browser bundles: nothing here imports a Node module statically. A file path is read through
 * `node:fs/promises`, loaded only when a path is actually opened (see `loadNodeModule`).
 */
import { DataError, abortReason } from './errors';

/** A chunk as it arrives: bytes, or text that is already decoded. */
export type ByteChunk = Uint8Array | string;

/**
 * Anything a source can read from. A plain string is an http(s) URL, or else a file path in
 * Node; in a browser page it is a URL relative to the page, so `readCsv('data/train.csv')`
 * works in both.
 */
export type ByteInput =
  | string
  | URL
  | Blob
  | Uint8Array
  | ArrayBuffer
  | ReadableStream<Uint8Array>
  | AsyncIterable<ByteChunk>
  | Iterable<ByteChunk>;

/** A function called once per iteration for a fresh input: makes one-shot streams re-iterable. */
export type InputFactory = () => ByteInput | Promise<ByteInput>;

export type SourceInput = ByteInput | InputFactory;

export interface SourceOptions {
  /** Aborting stops reading: the pending read is abandoned and the file/stream is closed. */
  signal?: AbortSignal;
  /** The name errors use for this input (default: the path, URL, file name or `<stream>`). */
  sourceName?: string;
  /** Bytes per read for file paths (default 256 KiB). */
  chunkSize?: number;
}

const DEFAULT_CHUNK_SIZE = 256 * 1024;

/** A short name for an input, used in error messages. */
export function describeInput(input: SourceInput): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  if (typeof input === 'function') return '<function>';
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    const name = (input as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : '<blob>';
  }
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return '<bytes>';
  if (isReadableStream(input)) return '<stream>';
  return '<iterable>';
}

/**
 * A re-iterable stream of the input's raw chunks (strings pass through undecoded). Each
 * `for await` opens the input again; a one-shot input (a ReadableStream, a generator, a Node
 * stream) may be iterated once, and a second iteration is an error that says how to fix it.
 */
export function rawChunks(input: SourceInput, options: SourceOptions = {}): AsyncIterable<ByteChunk> {
  const source = options.sourceName ?? describeInput(input);
  const oneShot = typeof input !== 'function' && isOneShot(input);
  let started = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<ByteChunk> {
      if (oneShot) {
        if (started) {
          throw new Error(
            `${source}: this input can be read only once (it is a one-shot stream or iterator) and was already read; ` +
              `pass a function that returns a fresh input (e.g. () => makeStream()) to iterate it again`,
          );
        }
        started = true;
      }
      return pump(input, source, options);
    },
  };
}

/** Like `rawChunks`, with text chunks encoded as UTF-8: a pure byte stream. */
export function byteChunks(input: SourceInput, options: SourceOptions = {}): AsyncIterable<Uint8Array> {
  const raw = rawChunks(input, options);
  return {
    async *[Symbol.asyncIterator]() {
      const encoder = new TextEncoder();
      for await (const chunk of raw) yield typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    },
  };
}

/** One opened input: read the next chunk (null at the end), or close it early. */
interface ChunkReader {
  read(): Promise<ByteChunk | null>;
  close(): Promise<void>;
  /** Whether closing can be awaited even after an abort (a user iterator's close might hang). */
  closeIsReliable: boolean;
}

async function* pump(input: SourceInput, source: string, options: SourceOptions): AsyncGenerator<ByteChunk> {
  const { signal } = options;
  if (signal?.aborted) throw abortReason(signal);
  const resolved = typeof input === 'function' ? await input() : input;
  if (signal?.aborted) throw abortReason(signal);
  const reader = await open(resolved, source, options);

  // On abort: reject the read in flight at once and start closing the input, so reading stops
  // even if the consumer never pulls again.
  let rejectPending: ((reason: unknown) => void) | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= reader.close());
  const onAbort = (): void => {
    rejectPending?.(abortReason(signal!));
    close().catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      let chunk: ByteChunk | null;
      if (signal) {
        chunk = await new Promise<ByteChunk | null>((resolve, reject) => {
          rejectPending = reject;
          reader.read().then(resolve, reject);
        });
        rejectPending = undefined;
      } else {
        chunk = await reader.read();
      }
      if (chunk === null) return;
      yield chunk;
    }
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    const closed = close();
    if (signal?.aborted && !reader.closeIsReliable) closed.catch(() => undefined);
    else await closed;
  }
}

async function open(input: ByteInput, source: string, options: SourceOptions): Promise<ChunkReader> {
  if (typeof input === 'string') {
    if (/^https?:\/\//i.test(input)) return openUrl(new URL(input), source, options.signal);
    const page = (globalThis as { location?: { href?: string } }).location?.href;
    if (!isNode() && page) return openUrl(new URL(input, page), source, options.signal);
    return openFile(input, source, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  }
  if (input instanceof URL) {
    if (input.protocol === 'file:') return openFile(await fileUrlToPath(input), source, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
    return openUrl(input, source, options.signal);
  }
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    let bytes: Uint8Array | null = input instanceof Uint8Array ? input : new Uint8Array(input);
    return {
      read: async () => {
        const chunk = bytes;
        bytes = null;
        return chunk;
      },
      close: async () => undefined,
      closeIsReliable: true,
    };
  }
  if (typeof Blob !== 'undefined' && input instanceof Blob) return streamReader(input.stream(), true);
  if (isReadableStream(input)) return streamReader(input, false);
  return iterableReader(input as AsyncIterable<ByteChunk> | Iterable<ByteChunk>, source);
}

function streamReader(stream: ReadableStream<Uint8Array>, reliable: boolean): ChunkReader {
  const reader = stream.getReader();
  let done = false;
  return {
    read: async () => {
      const { value, done: end } = await reader.read();
      if (end) {
        done = true;
        return null;
      }
      return value;
    },
    close: async () => {
      if (!done) await reader.cancel();
      reader.releaseLock();
    },
    closeIsReliable: reliable,
  };
}

function iterableReader(input: AsyncIterable<ByteChunk> | Iterable<ByteChunk>, source: string): ChunkReader {
  let iterator: AsyncIterator<ByteChunk> | Iterator<ByteChunk>;
  if (typeof (input as AsyncIterable<ByteChunk>)[Symbol.asyncIterator] === 'function') {
    iterator = (input as AsyncIterable<ByteChunk>)[Symbol.asyncIterator]();
  } else if (typeof (input as Iterable<ByteChunk>)[Symbol.iterator] === 'function') {
    iterator = (input as Iterable<ByteChunk>)[Symbol.iterator]();
  } else {
    throw new TypeError(
      `${source}: cannot read this input; expected a file path, URL, Blob, ReadableStream, Uint8Array, or an (async) iterable of strings or Uint8Arrays`,
    );
  }
  let done = false;
  return {
    read: async () => {
      const result = await iterator.next();
      if (result.done) {
        done = true;
        return null;
      }
      const chunk = result.value as unknown;
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) return chunk;
      throw new TypeError(`${source}: expected chunks of type string or Uint8Array, got ${describeValue(chunk)}`);
    },
    close: async () => {
      if (!done) await iterator.return?.();
    },
    closeIsReliable: false,
  };
}

async function openUrl(url: URL, source: string, signal: AbortSignal | undefined): Promise<ChunkReader> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    throw new DataError(`cannot fetch (${errorText(err)})`, { source }, { cause: err });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new DataError(`cannot fetch: HTTP ${response.status} ${response.statusText}`.trimEnd(), { source });
  }
  if (!response.body) return iterableReader([], source);
  return streamReader(response.body, false);
}

/** The slice of `node:fs/promises` this module uses, so no Node type is imported. */
interface NodeFileHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}
interface NodeFsPromises {
  open(path: string, flags: string): Promise<NodeFileHandle>;
}

async function openFile(path: string, source: string, chunkSize: number): Promise<ChunkReader> {
  const fs = await loadNodeModule<NodeFsPromises>(
    'fs/promises',
    `${source}: a file path can only be read in Node; in a browser pass a URL, a Blob/File or a ReadableStream`,
  );
  let handle: NodeFileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (err) {
    throw new DataError(`cannot open file (${errorText(err)})`, { source }, { cause: err });
  }
  let closed = false;
  return {
    read: async () => {
      const buffer = new Uint8Array(chunkSize);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, chunkSize, null));
      } catch (err) {
        if (closed) return null;
        throw new DataError(`cannot read file (${errorText(err)})`, { source }, { cause: err });
      }
      if (bytesRead === 0) return null;
      return bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead);
    },
    close: async () => {
      closed = true;
      await handle.close();
    },
    closeIsReliable: true,
  };
}

async function fileUrlToPath(url: URL): Promise<string> {
  const nodeUrl = await loadNodeModule<{ fileURLToPath(url: URL): string }>('url', `${url.href}: file URLs can only be read in Node`);
  return nodeUrl.fileURLToPath(url);
}

/**
 * Loads a Node built-in only when called, out of sight of bundlers: `process.getBuiltinModule`
 * where Node has it (20.16+), else a dynamic import of a computed specifier (which esbuild,
 * Vite and webpack leave alone). In a browser it throws `notNodeMessage`.
 */
async function loadNodeModule<T>(name: string, notNodeMessage: string): Promise<T> {
  if (!isNode()) throw new Error(notNodeMessage);
  const proc = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process!;
  const builtin = proc.getBuiltinModule?.(`node:${name}`);
  if (builtin) return builtin as T;
  const specifier = ['node', name].join(':');
  return (await import(specifier)) as T;
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

export function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof value === 'object' && value !== null && typeof (value as ReadableStream).getReader === 'function';
}

/**
 * Whether an input can be read only once: streams, and iterators that are their own iterable
 * (generator objects), whose second `[Symbol.iterator]()` would resume, not restart.
 */
export function isOneShot(input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  if (typeof Blob !== 'undefined' && input instanceof Blob) return false;
  if (input instanceof URL || input instanceof Uint8Array || input instanceof ArrayBuffer) return false;
  if (isReadableStream(input)) return true;
  // A Node Readable: its async iterator is a fresh object each time, yet the data is gone.
  if (typeof (input as { pipe?: unknown }).pipe === 'function' && typeof (input as { on?: unknown }).on === 'function') return true;
  const asyncIter = (input as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
  if (typeof asyncIter === 'function') return asyncIter.call(input) === input;
  const syncIter = (input as Partial<Iterable<unknown>>)[Symbol.iterator];
  if (typeof syncIter === 'function') return syncIter.call(input) === input;
  return false;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
