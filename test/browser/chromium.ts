/**
 * Launching Debian's chromium for the browser tests: headless, a fresh profile each time,
 * WebGL 2 through SwiftShader (no GPU needed), and no network chatter of its own.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.SEQFLOW_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Containers often give /dev/shm only 64 MB, too little for Chromium's shared memory.
  '--disable-dev-shm-usage',
];

export interface Chromium {
  context: BrowserContext;
  page: Page;
  /** Console lines and page errors, for failure messages. */
  log: string[];
  close(): Promise<void>;
}

/** `extraArgs`: more switches, e.g. --enable-unsafe-webgpu for the WebGPU test. */
export async function launchChromium(extraArgs: string[] = []): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: the browser tests need Debian's chromium (sudo apt-get install chromium; ` +
        'npm test installs it when run as root), or set SEQFLOW_CHROMIUM to another Chromium binary',
    );
  }
  const userDataDir = await mkdtemp(join(tmpdir(), 'seqflow-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport: { width: 1200, height: 900 },
  });
  // WebGL on SwiftShader is slow, and CI shares two cores with other tests: wait long, not 30 s.
  context.setDefaultTimeout(100_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const log: string[] = [];
  page.on('console', (message) => log.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => log.push(`[pageerror] ${error.message}`));
  return {
    context,
    page,
    log,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
