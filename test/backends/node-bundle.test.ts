/**
 * seqflow bundled with esbuild into a Node program that runs away from the project's
 * node_modules: the wasm backend's .wasm files are found beside the bundle (or the error says
 * where they were looked for), and a tfjs-node package that is present but cannot load is
 * reported as such, not as missing.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = resolve(__dirname, '..', '..');

describe('backends in an esbuild bundle for Node', () => {
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

  it("reports a tfjs-node-gpu that is installed but whose native part fails to load, and 'auto' moves on", async () => {
    // What a failed libtensorflow download leaves behind: the package, but no loadable addon.
    const pkg = join(folder, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'index.js' }));
    await writeFile(
      join(pkg, 'index.js'),
      "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');\n",
    );
    try {
      expect((await start('cuda')).error).toBe(
        "backend 'cuda' cannot start: @tensorflow/tfjs-node-gpu is installed but failed to load: " +
          'libtensorflow.so.2: cannot open shared object file: No such file or directory (needs CUDA 11.2 and cuDNN 8.1)',
      );
      const auto = await start('auto'); // the .wasm files lie beside the bundle since the test above
      expect(auto.name).toBe('wasm');
      expect(auto.skipped?.[0]).toEqual({
        name: 'cuda',
        reason:
          '@tensorflow/tfjs-node-gpu is installed but failed to load: libtensorflow.so.2: cannot open shared object file: No such file or directory (needs CUDA 11.2 and cuDNN 8.1)',
      });
    } finally {
      await rm(join(folder, 'node_modules'), { recursive: true, force: true });
    }
  });
});
