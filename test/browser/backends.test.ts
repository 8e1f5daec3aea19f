/**
 * seqflow's backends in real Chromium (Debian's, headless, WebGL 2 on SwiftShader), compared
 * with the same code run here in Node.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageCopies } from '../../examples/browser/build';
import { useBackend, type BackendName } from '../../src/backends';
import { FIXED_MODEL_CASES, fixedModelLogits } from './fixtures/fixed-model';
import { openHarnessPage, type HarnessPage } from './harness-page';

const TOLERANCE = 1e-4;

function maxAbsDifference(a: number[][][], b: number[][][]): number {
  let worst = 0;
  a.forEach((m, i) => m.forEach((row, r) => row.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - b[i][r][k]))))));
  return worst;
}

function nodeBackendsHere(): BackendName[] {
  const req = createRequire(__filename);
  const has = (pkg: string) => {
    try {
      req.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  };
  return [
    ...(has('@tensorflow/tfjs-node-gpu') ? (['cuda'] as const) : []),
    ...(has('@tensorflow/tfjs-node') ? (['tensorflow'] as const) : []),
    'wasm',
    'cpu',
  ];
}

/** Logits of every fixed case on every Node backend, computed in this process. */
async function nodeLogits(): Promise<Map<BackendName, number[][][]>> {
  const out = new Map<BackendName, number[][][]>();
  for (const name of nodeBackendsHere()) {
    await useBackend(name);
    const before = tf.memory().numTensors;
    const logits: number[][][] = [];
    for (const c of FIXED_MODEL_CASES) logits.push(await fixedModelLogits(c));
    expect(tf.memory().numTensors, `tensors left on Node ${name}`).toBe(before);
    out.set(name, logits);
  }
  return out;
}

describe('browser backends (Chromium, SwiftShader)', () => {
  let harness: HarnessPage;
  let reference: Map<BackendName, number[][][]>;

  beforeAll(async () => {
    reference = await nodeLogits();
    harness = await openHarnessPage();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('bundles exactly one tfjs-core and none of the Node-only tfjs packages', () => {
    const copies = packageCopies(harness.metafile, '@tensorflow/tfjs-core');
    expect([...copies.keys()]).toEqual(['node_modules/@tensorflow/tfjs-core/']);
    // The ES-module build, not also the CommonJS one (that would be a second engine).
    const entries = copies.get('node_modules/@tensorflow/tfjs-core/')!.filter((f) => /dist\/(index|tf-core[^/]*)\.js$/.test(f));
    expect(entries).toEqual(['node_modules/@tensorflow/tfjs-core/dist/index.js']);
    expect(Object.keys(harness.metafile.inputs).filter((f) => /tfjs-node/.test(f))).toEqual([]);
  });

  it('loads every backend package lazily: each in its own chunk, none in the entry', () => {
    const outputs = Object.values(harness.metafile.outputs);
    const entry = outputs.find((o) => o.entryPoint === 'test/browser/fixtures/harness.ts')!;
    expect(Object.keys(entry.inputs).filter((f) => /tfjs-backend-/.test(f))).toEqual([]);
    for (const pkg of ['tfjs-backend-webgpu', 'tfjs-backend-webgl', 'tfjs-backend-wasm', 'tfjs-backend-cpu']) {
      const chunk = outputs.filter((o) => o.entryPoint === `node_modules/@tensorflow/${pkg}/dist/index.js`);
      expect(chunk, pkg).toHaveLength(1);
    }
  });

  it('runs WebGL 2 (the best here: WebGPU has no adapter under these flags), and wasm and cpu when asked', async () => {
    const auto = await harness.call('start', 'auto');
    if (auto.name === 'webgpu') {
      // A machine whose Chromium exposes a WebGPU adapter without the unsafe flag: best wins.
      expect(auto).toMatchObject({ active: 'webgpu', skipped: [], sum: 32 });
    } else {
      expect(auto).toMatchObject({ name: 'webgl', active: 'webgl', webglVersion: 2, sum: 32 });
      expect(auto.skipped.map((s) => s.name)).toEqual(['webgpu']);
      expect(auto.skipped[0].reason).toMatch(/requestAdapter\(\) found no adapter|navigator\.gpu is missing/);
    }

    const webgl = await harness.call('start', 'webgl');
    expect(webgl).toMatchObject({ name: 'webgl', active: 'webgl', webglVersion: 2, sum: 32, skipped: [] });
    expect(webgl.device).toMatch(/^WebGL 2 on /);

    const wasm = await harness.call('start', 'wasm');
    expect(wasm).toMatchObject({ name: 'wasm', active: 'wasm', sum: 32 });
    expect(wasm.device).toMatch(/^WebAssembly \((SIMD|no SIMD), \d+ threads?\)$/);

    const cpu = await harness.call('start', 'cpu');
    expect(cpu).toMatchObject({ name: 'cpu', active: 'cpu', sum: 32 });
  });

  it('honours ?backend= and refuses, with the reason, what cannot start', async () => {
    await harness.open('?backend=wasm');
    expect(await harness.call('start')).toMatchObject({ name: 'wasm', active: 'wasm', requestedBy: '?backend=' });
    await harness.open('?backend=cuda');
    expect(await harness.call('startError', undefined as never)).toBe(
      "BackendUnavailableError: backend 'cuda' cannot start: needs Node with @tensorflow/tfjs-node-gpu; a browser reaches the GPU through webgpu or webgl (asked for by ?backend=cuda)",
    );
    await harness.open('?backend=gl');
    expect(await harness.call('startError', undefined as never)).toMatch(
      /the page URL \?backend=: 'gl' is not a backend; use one of auto, cuda, tensorflow, webgpu, webgl, wasm, cpu/,
    );
    // A fresh page, so that the wasm backend is not yet initialised and takes the folder.
    await harness.open();
    expect(await harness.call('startError', 'wasm', { wasmPaths: 'no-such-folder/' })).toMatch(
      /^BackendUnavailableError: backend 'wasm' cannot start: tfjs could not initialise its 'wasm' backend.*\(looked for the \.wasm files in no-such-folder\/; copy node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/\*\.wasm there or pass wasmPaths\)$/,
    );
    // tfjs takes no new .wasm location after a failed start: said plainly, not thrown raw.
    expect(await harness.call('startError', 'wasm')).toMatch(
      /^BackendUnavailableError: backend 'wasm' cannot start: an earlier attempt to start it failed with the \.wasm files at "no-such-folder\/"/,
    );
    expect(await harness.call('startError', 'webgpu')).toMatch(/^BackendUnavailableError: backend 'webgpu' cannot start: /);
    expect(await harness.call('startError', 'tensorflow')).toMatch(/needs Node with @tensorflow\/tfjs-node/);
    await harness.open(); // a fresh page (and wasm backend) for the tests that follow
  });

  it('gives the same logits for fixed weights on webgl, wasm, cpu and every Node backend, and leaks no tensors', async () => {
    const nodeCpu = reference.get('cpu')!;
    // Guard against a vacuous match: the logits differ from row to row and are not near zero.
    expect(Math.max(...nodeCpu.flat(2).map(Math.abs))).toBeGreaterThan(0.05);
    for (const [name, logits] of reference) {
      expect(maxAbsDifference(logits, nodeCpu), `Node ${name} vs Node cpu`).toBeLessThan(TOLERANCE);
    }
    for (const name of ['webgl', 'wasm', 'cpu'] as const) {
      const run = await harness.call('fixedModelLogits', name);
      expect(run.backend).toBe(name);
      expect(run.tensorsAfter, `tensors left on ${name}`).toBe(run.tensorsBefore);
      expect(maxAbsDifference(run.logits, nodeCpu), `browser ${name} vs Node cpu`).toBeLessThan(TOLERANCE);
    }
  });
});

describe('browser backends with WebGPU enabled (--enable-unsafe-webgpu, SwiftShader adapter)', () => {
  let harness: HarnessPage;
  afterAll(async () => {
    await harness?.close();
  });

  it("'auto' picks WebGPU when it works, and its logits match Node's", async () => {
    harness = await openHarnessPage({ chromiumArgs: ['--enable-unsafe-webgpu'] });
    const auto = await harness.call('start', 'auto');
    expect(auto).toMatchObject({ name: 'webgpu', active: 'webgpu', skipped: [], sum: 32 });
    expect(auto.device).toMatch(/^WebGPU adapter /);
    // One case (the bidirectional 2-layer LSTM) keeps WebGPU's shader compilation short.
    await useBackend('cpu');
    const nodeCpu = [await fixedModelLogits(FIXED_MODEL_CASES[0])];
    const run = await harness.call('fixedModelLogits', 'webgpu', [0]);
    expect(run.tensorsAfter).toBe(run.tensorsBefore);
    expect(maxAbsDifference(run.logits, nodeCpu)).toBeLessThan(TOLERANCE);
  });
});

describe('browser backends without WebGL', () => {
  let harness: HarnessPage;
  afterAll(async () => {
    await harness?.close();
  });

  it("'auto' passes over WebGPU and WebGL with their reasons and runs wasm; asking for webgl is an error", async () => {
    // --disable-webgl takes WebGL from <canvas> but not from OffscreenCanvas, which tfjs prefers;
    // WebGPU is removed too, so that the outcome is the same on machines whose Chromium has it.
    harness = await openHarnessPage({
      chromiumArgs: ['--disable-webgl'],
      initScript: 'delete globalThis.OffscreenCanvas; delete Navigator.prototype.gpu;',
    });
    const auto = await harness.call('start', 'auto');
    expect(auto).toMatchObject({ name: 'wasm', active: 'wasm', sum: 32 });
    expect(auto.skipped.map((s) => s.name)).toEqual(['webgpu', 'webgl']);
    expect(auto.skipped[0].reason).toBe('navigator.gpu is missing: this browser (or its settings) has no WebGPU');
    expect(auto.skipped[1].reason).toBe("tfjs could not initialise its 'webgl' backend: Error: WebGL is not supported on this device");
    expect(auto.summary.split('\n')[2]).toBe(`skipped webgl: ${auto.skipped[1].reason}`);
    expect(await harness.call('startError', 'webgl')).toBe(`BackendUnavailableError: backend 'webgl' cannot start: ${auto.skipped[1].reason}`);
  });
});
