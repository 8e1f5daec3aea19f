/**
 * Builds the browser-test bundle with the page's own esbuild settings, serves it on
 * 127.0.0.1 and opens it in chromium. One per test file; `close()` undoes all of it.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { bundleForBrowser } from '../../examples/browser/build';
import { startStaticServer, type StaticServer } from '../../examples/browser/serve';
import { launchChromium, type Chromium } from './chromium';
import type { Harness } from './fixtures/harness';

export interface HarnessPage {
  browser: Chromium;
  server: StaticServer;
  metafile: Metafile;
  /** Opens harness.html with an optional query string and waits for the harness. */
  open(query?: string): Promise<void>;
  /** Calls a harness method in the page. */
  call<K extends keyof Harness>(method: K, ...args: Parameters<Harness[K]>): Promise<Awaited<ReturnType<Harness[K]>>>;
  close(): Promise<void>;
}

export interface HarnessPageOptions {
  /** More Chromium switches. */
  chromiumArgs?: string[];
  /** More files to serve beside the page (name → source path). */
  files?: Record<string, string>;
  /** Script run in the page before its own scripts, on every load. */
  initScript?: string;
}

export async function openHarnessPage(options: HarnessPageOptions = {}): Promise<HarnessPage> {
  const { chromiumArgs = [], files = {}, initScript } = options;
  const outdir = await mkdtemp(join(tmpdir(), 'seqflow-harness-'));
  const { metafile } = await bundleForBrowser({
    entryPoints: { harness: join(__dirname, 'fixtures', 'harness.ts') },
    outdir,
  });
  await copyFile(join(__dirname, 'fixtures', 'harness.html'), join(outdir, 'harness.html'));
  for (const [name, source] of Object.entries(files)) await copyFile(source, join(outdir, name));
  const server = await startStaticServer({ root: outdir });
  const browser = await launchChromium(chromiumArgs);
  if (initScript) await browser.page.addInitScript(initScript);
  const page: HarnessPage = {
    browser,
    server,
    metafile,
    async open(query = '') {
      await browser.page.goto(`${server.url}harness.html${query}`);
      await browser.page.waitForFunction(() => 'seqflowHarness' in globalThis);
    },
    call(method, ...args) {
      return browser.page.evaluate(
        ([m, a]) => {
          const h = (globalThis as unknown as { seqflowHarness: Record<string, (...x: unknown[]) => unknown> }).seqflowHarness;
          return h[m as string](...(a as unknown[]));
        },
        [method, args] as const,
      ) as never;
    },
    async close() {
      await browser.close();
      await server.close();
      await rm(outdir, { recursive: true, force: true });
    },
  };
  await page.open();
  return page;
}
