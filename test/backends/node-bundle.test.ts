/**
 * The wasm backend's .wasm files in a Node program bundled with esbuild and moved away from
 * node_modules: found beside the bundle, or a clear error saying where they were looked for.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = resolve(__dirname, '..', '..');

describe('wasm backend in an esbuild bundle for Node', () => {
  let folder: string;
  let bundle: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'seqflow-node-bundle-'));
    bundle = join(folder, 'app.js');
    await build({
      stdin: {
        contents: `
          import { useBackend } from './src/backends';
          useBackend(process.argv[2]).then(
            (d) => console.log(JSON.stringify({ name: d.name, device: d.device, skipped: d.skipped })),
            (e) => console.log(JSON.stringify({ error: e.message })),
          );`,
        resolveDir: REPO,
        loader: 'ts',
      },
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'error',
    });
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function start(backend: string): Promise<{ name?: string; device?: string; error?: string; skipped?: unknown[] }> {
    const { stdout } = await run(process.execPath, [bundle, backend], { cwd: folder, env: { ...process.env, SEQFLOW_BACKEND: '' } });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }

  it('names where it looked when the .wasm files are missing', async () => {
    const result = await start('wasm');
    expect(result.error).toMatch(/^backend 'wasm' cannot start: .*looked for the \.wasm files in the folder of the script/);
  });

  it('starts with the .wasm files copied beside the bundle', async () => {
    const from = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    for (const file of (await readdir(from)).filter((f) => f.endsWith('.wasm'))) {
      await copyFile(join(from, file), join(folder, file));
    }
    expect(await start('wasm')).toMatchObject({ name: 'wasm', device: expect.stringMatching(/^WebAssembly in Node/) });
    // With no tfjs-node packages reachable from there, 'auto' lands on wasm too.
    expect(await start('auto')).toMatchObject({ name: 'wasm', skipped: [{ name: 'cuda' }, { name: 'tensorflow' }] });
  });
});
