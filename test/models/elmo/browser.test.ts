// The ELMo loader and embedder in headless Chromium: h5wasm's browser build reading fetched
// bytes, the same numbers as the fixtures (the first batch, which a stateless run reproduces).
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../examples/browser/build';
import { startStaticServer, type StaticServer } from '../../../examples/browser/serve';
import { launchChromium, type Chromium } from '../../browser/chromium';
import { fixture } from './fixtures';

describe('ELMo in Chromium', () => {
  let outdir: string;
  let server: StaticServer;
  let browser: Chromium;

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'seqflow-elmo-page-'));
    await bundleForBrowser({ entryPoints: { elmo: join(__dirname, 'browser', 'elmo-page.ts') }, outdir });
    await writeFile(join(outdir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="elmo.js"></script>');
    for (const f of ['options.json', 'lm_weights.hdf5', 'sentences.json', 'lm_embeddings_0.hdf5']) await copyFile(fixture(f), join(outdir, f));
    server = await startStaticServer({ root: outdir });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outdir) await rm(outdir, { recursive: true, force: true });
  });

  it('loads weights from bytes and matches the fixture top layer', async () => {
    await browser.page.goto(`${server.url}index.html`);
    await browser.page.waitForFunction(() => 'elmoPage' in globalThis);
    const result = await browser.page.evaluate(() =>
      (globalThis as unknown as { elmoPage: { run(): Promise<{ maxAbsError: number; compared: number; backend: string }> } }).elmoPage.run(),
    );
    console.log(`chromium ${result.backend}: ${result.compared} values, max abs error ${result.maxAbsError.toExponential(2)}`);
    expect(result.compared).toBeGreaterThan(0);
    expect(result.maxAbsError, browser.log.join('\n')).toBeLessThan(1e-5);
  });
});
