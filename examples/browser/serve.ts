/**
 * A small static file server for the page (and the browser tests): node:http only, bound to
 * 127.0.0.1, with the MIME types a module bundle and WebAssembly need
 * (instantiateStreaming refuses a .wasm file not served as application/wasm).
 *
 *   npx ts-node --transpile-only examples/browser/serve.ts [--port 8080] [--root examples/browser/dist]
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
  '.ico': 'image/x-icon',
};

export interface StaticServer {
  /** Base URL ending in '/', e.g. http://127.0.0.1:41234/ */
  url: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** Folder to serve. */
  root: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** More folders under URL prefixes, e.g. { '/models/': '/tmp/model-dir' }. */
  mounts?: Record<string, string>;
}

export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const host = options.host ?? '127.0.0.1';
  const mounts = Object.entries({ ...(options.mounts ?? {}), '/': options.root })
    .map(([prefix, folder]) => ({ prefix: prefix.endsWith('/') ? prefix : `${prefix}/`, folder: resolve(folder) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);

  const server: Server = createServer((request, response) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      const mount = mounts.find((m) => pathname.startsWith(m.prefix));
      if (!mount) return reply(response, 404, 'not found');
      const relative = normalize(pathname.slice(mount.prefix.length) || 'index.html');
      const file = join(mount.folder, relative);
      // normalize() resolved any '..'; refuse whatever still escapes the served folder.
      if (file !== mount.folder && !file.startsWith(mount.folder + sep)) return reply(response, 403, 'forbidden');
      let target = file;
      try {
        if ((await stat(target)).isDirectory()) target = join(target, 'index.html');
        const info = await stat(target);
        response.writeHead(200, {
          'content-type': MIME_TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream',
          'content-length': info.size,
          'cache-control': 'no-store',
        });
        if (request.method === 'HEAD') return response.end();
        createReadStream(target).pipe(response);
      } catch {
        reply(response, 404, `not found: ${pathname}`);
      }
    })();
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('static server: no TCP address');
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

function reply(response: import('node:http').ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const root = resolve(flag(args, '--root') ?? join(__dirname, 'dist'));
  const port = Number(flag(args, '--port') ?? 8080);
  startStaticServer({ root, port })
    .then((s) => console.log(`serving ${root} at ${s.url} (Ctrl-C stops)`))
    .catch((error: Error) => {
      console.error(`serve: ${error.message}`);
      process.exit(1);
    });
}
