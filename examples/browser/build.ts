/**
 * Bundles the page (and the browser tests' harness) with esbuild, for the browser:
 * ES modules split into chunks, so each tfjs backend is fetched only when it is started;
 * the Node-only tfjs packages stay out; the wasm backend's .wasm files are copied beside
 * the page, where src/backends/browser.ts looks for them.
 *
 *   npx ts-node --transpile-only examples/browser/build.ts [--outdir examples/browser/dist] [--minify]
 */
import { build, type Metafile } from 'esbuild';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** The reviews that the Node example trains on by default, offered by the page as its sample. */
export const SAMPLE_DATA_FILE = join(__dirname, '..', '..', 'data', 'amazon-fine-foods', 'train.csv');

/** Never bundled: Node addons that download libtensorflow; src/backends/node.ts loads them. */
export const NODE_ONLY_PACKAGES = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

export interface BundleOptions {
  /** Output name (without .js) → source file. */
  entryPoints: Record<string, string>;
  outdir: string;
  minify?: boolean;
}

export interface BundleResult {
  outdir: string;
  metafile: Metafile;
}

export async function bundleForBrowser(options: BundleOptions): Promise<BundleResult> {
  const outdir = resolve(options.outdir);
  const result = await build({
    entryPoints: options.entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    external: NODE_ONLY_PACKAGES,
    minify: options.minify ?? false,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    chunkNames: 'chunks/[name]-[hash]',
  });
  await copyWasmFiles(outdir);
  return { outdir, metafile: result.metafile };
}

/** The folder of the installed @tensorflow/tfjs-backend-wasm's .wasm files. */
export function wasmDistFolder(): string {
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
}

async function copyWasmFiles(outdir: string): Promise<void> {
  const from = wasmDistFolder();
  await mkdir(outdir, { recursive: true });
  for (const file of await readdir(from)) {
    if (file.endsWith('.wasm')) await copyFile(join(from, file), join(outdir, file));
  }
}

/**
 * The package folders in a bundle that hold a given npm package (e.g. '@tensorflow/tfjs-core'),
 * with the files each contributed. More than one folder means two copies (two tfjs engines).
 */
export function packageCopies(metafile: Metafile, packageName: string): Map<string, string[]> {
  const marker = `node_modules/${packageName}/`;
  const copies = new Map<string, string[]>();
  for (const input of Object.keys(metafile.inputs)) {
    const at = input.lastIndexOf(marker);
    if (at < 0) continue;
    const folder = input.slice(0, at + marker.length);
    copies.set(folder, [...(copies.get(folder) ?? []), input]);
  }
  return copies;
}

/** The page: examples/browser/main.ts with its HTML and sample data, into `outdir`. */
export async function buildPage(outdir = join(__dirname, 'dist'), minify = false): Promise<BundleResult> {
  const result = await bundleForBrowser({ entryPoints: { main: join(__dirname, 'main.ts') }, outdir, minify });
  for (const file of ['index.html', 'style.css']) await copyFile(join(__dirname, file), join(result.outdir, file));
  await copySampleData(result.outdir);
  return result;
}

/** The sample CSV that the page offers: the reviews the Node example trains on. */
async function copySampleData(outdir: string): Promise<void> {
  await copyFile(SAMPLE_DATA_FILE, join(outdir, 'sample.csv'));
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  buildPage(resolve(flag(args, '--outdir') ?? join(__dirname, 'dist')), args.includes('--minify'))
    .then(({ outdir, metafile }) => {
      const bytes = Object.entries(metafile.outputs).reduce((sum, [file, o]) => (file.endsWith('.js') ? sum + o.bytes : sum), 0);
      console.log(`built ${outdir} (${(bytes / 1e6).toFixed(1)} MB of JavaScript); serve it with npm run serve:page`);
    })
    .catch((error: Error) => {
      console.error(`build: ${error.message}`);
      process.exit(1);
    });
}
