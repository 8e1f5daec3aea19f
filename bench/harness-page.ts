// A bench's in-page half, bundled for the browser and opened in headless Chromium (Debian's,
// through playwright-core, as the browser tests do); `harness` is what the page put on
// globalThis.seqflowHarness, called from Node.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bundleForBrowser } from '../examples/browser/build';
import { startStaticServer } from '../examples/browser/serve';
import { launchChromium } from '../test/browser/chromium';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Harness = Record<string, (...args: any[]) => unknown>;

export interface HarnessPage<H extends Harness> {
  /** Calls `harness[method](...args)` in the page; arguments and result cross as JSON. */
  call<K extends keyof H & string>(method: K, ...args: Parameters<H[K]>): Promise<Awaited<ReturnType<H[K]>>>;
  close(): Promise<void>;
}

export async function openHarnessPage<H extends Harness>(entry: string): Promise<HarnessPage<H>> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'seqflow-bench-page-'));
  await bundleForBrowser({ entryPoints: { harness: entry }, outdir });
  await copyFile(path.join(__dirname, '..', 'test', 'browser', 'fixtures', 'harness.html'), path.join(outdir, 'harness.html'));
  const server = await startStaticServer({ root: outdir });
  const close = async () => {
    await server.close();
    await rm(outdir, { recursive: true, force: true });
  };
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  try {
    browser = await launchChromium();
    await browser.page.goto(`${server.url}harness.html`);
    await browser.page.waitForFunction(() => 'seqflowHarness' in globalThis);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    call: (method, ...args) =>
      browser.page.evaluate(
        ([m, a]) => {
          const h = (globalThis as unknown as { seqflowHarness: Record<string, (...x: unknown[]) => unknown> }).seqflowHarness;
          return h[m as string](...(a as unknown[]));
        },
        [method, args] as const,
      ) as never,
    close: async () => {
      await browser.close();
      await close();
    },
  };
}
