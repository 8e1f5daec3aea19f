/**
 * The fused WebGL LSTM and GRU cells (src/models/webgl-lstm-cell.ts, webgl-gru-cell.ts) in
 * Chromium (WebGL 2 on SwiftShader): PyTorch parity of outputs, final states and every gradient
 * through Recurrent's op path on webgl, with the fused program shown to run once per step, and
 * no tensors left.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../examples/browser/build';
import { startStaticServer, type StaticServer } from '../../examples/browser/serve';
import { readTorchCases } from '../models/torch-testdata';
import { launchChromium, type Chromium } from './chromium';
import type { ParityRun, WebglLstmHarness } from './fixtures/webgl-lstm';

const TOL = 1e-4;
const cases = readTorchCases();

describe('fused WebGL LSTM and GRU cells in Chromium', () => {
  let outdir: string;
  let server: StaticServer;
  let browser: Chromium;

  async function parity(...args: Parameters<WebglLstmHarness['parity']>): Promise<ParityRun> {
    return browser.page.evaluate(
      (a) => (globalThis as unknown as { seqflowHarness: WebglLstmHarness }).seqflowHarness.parity(...a),
      args,
    );
  }

  beforeAll(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), 'seqflow-webgl-lstm-'));
    await bundleForBrowser({ entryPoints: { harness: path.join(__dirname, 'fixtures', 'webgl-lstm.ts') }, outdir });
    await copyFile(path.join(__dirname, 'fixtures', 'harness.html'), path.join(outdir, 'harness.html'));
    server = await startStaticServer({ root: outdir });
    browser = await launchChromium();
    await browser.page.goto(`${server.url}harness.html`);
    await browser.page.waitForFunction(() => 'seqflowHarness' in globalThis);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outdir) await rm(outdir, { recursive: true, force: true });
  });

  for (const c of cases) {
    const name = path.basename(c.file);
    it(`${name}: outputs, final states, loss and all gradients within ${TOL} on webgl, fused ${c.kind} cell in use`, async () => {
      const fused = await parity('webgl', c, true);
      expect(fused.backend).toBe('webgl');
      expect(fused.tensorsAfter, 'tensors left').toBe(fused.tensorsBefore);
      expect(fused.fusedActive).toEqual({ lstm: true, gru: true });
      // One forward program and one backward kernel per step of every layer and direction.
      const steps = c.x[0].length * c.num_layers * (c.bidirectional ? 2 : 1);
      expect(fused.fusedRuns).toEqual(c.kind === 'lstm' ? { lstm: steps, gru: 0 } : { lstm: 0, gru: steps });
      expect(fused.fusedGradRuns).toEqual(fused.fusedRuns);
      expect(Object.keys(fused.diffs).filter((k) => k.startsWith('grad ') && k !== 'grad x').length).toBe(Object.keys(c.grad_weights).length);
      for (const [what, d] of Object.entries(fused.diffs)) expect(d, what).toBeLessThan(TOL);

      // The op path on webgl, for the record: the same case with the fused programs off.
      const plain = await parity('webgl', c, false);
      expect(plain.fusedActive).toEqual({ lstm: false, gru: false });
      expect(plain.fusedRuns).toEqual({ lstm: 0, gru: 0 });
      expect(plain.fusedGradRuns).toEqual({ lstm: 0, gru: 0 });
      expect(plain.tensorsAfter).toBe(plain.tensorsBefore);
      for (const [what, d] of Object.entries(plain.diffs)) expect(d, `op path: ${what}`).toBeLessThan(TOL);
      const worst = (r: ParityRun) => Math.max(...Object.values(r.diffs)).toExponential(2);
      console.log(
        `${name} on webgl: worst diff fused ${worst(fused)}, op path ${worst(plain)}; ` +
          `forward+grads ${fused.ms.toFixed(0)} ms fused vs ${plain.ms.toFixed(0)} ms op path (SwiftShader, one run)`,
      );
    });
  }
});
