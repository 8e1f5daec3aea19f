/**
 * Registers tfjs-core's gradients in every environment seqflow runs in.
 *
 * tfjs-core registers no gradients by itself, and the module that does
 * (`@tensorflow/tfjs-core/dist/register_all_gradients`) ships only as ES modules with
 * extension-less relative imports. Bundlers (esbuild, Vite/Vitest) load it fine; Node's own
 * loader cannot, so CommonJS programs (ts-node examples, the compiled CLI) fail with
 * ERR_MODULE_NOT_FOUND. There, the same module is bundled once into a CommonJS file with
 * esbuild and required. tfjs-core keeps its engine and its kernel and gradient registries on
 * globalThis, so the gradients this second copy registers are the ones the main engine uses.
 */
import * as tf from '@tensorflow/tfjs-core';

const GRADIENTS_MODULE = '@tensorflow/tfjs-core/dist/register_all_gradients';

let done = false;

/** True when the gradients training needs are registered (tfjs's MatMul and Slice gradients stand for all). */
function registered(): boolean {
  return tf.getGradient('BatchMatMul') !== undefined && tf.getGradient('Slice') !== undefined;
}

export function registerGradients(): void {
  if (done || registered()) {
    done = true;
    return;
  }
  let firstError: unknown;
  try {
    // A bundler resolves this (and inlines the ES module); Node's require may not.
    require('@tensorflow/tfjs-core/dist/register_all_gradients');
  } catch (err) {
    firstError = err;
  }
  if (!registered()) registerFromCommonJsBundle(firstError);
  done = true;
}

/** Node only: bundle the ES module to CommonJS (cached in the OS temp folder) and require it. */
function registerFromCommonJsBundle(firstError: unknown): void {
  const nodeRequire = typeof require === 'function' ? require : undefined;
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!nodeRequire || !proc?.versions?.node) {
    throw new Error(`seqflow: could not register tfjs gradients (${describe(firstError)})`);
  }
  // Names held in variables so that browser bundlers do not try to resolve Node's modules.
  const fsName = 'node:fs';
  const pathName = 'node:path';
  const osName = 'node:os';
  const esbuildName = 'esbuild';
  const fs = nodeRequire(fsName) as typeof import('node:fs');
  const path = nodeRequire(pathName) as typeof import('node:path');
  const os = nodeRequire(osName) as typeof import('node:os');
  const entry = nodeRequire.resolve(GRADIENTS_MODULE + '.js');
  const version = (tf.version_core ?? 'unknown').replace(/[^0-9A-Za-z.-]/g, '_');
  const target = path.join(os.tmpdir(), `seqflow-tfjs-gradients-${version}.cjs`);
  if (!fs.existsSync(target)) {
    let esbuild: typeof import('esbuild');
    try {
      esbuild = nodeRequire(esbuildName);
    } catch {
      throw new Error(
        `seqflow: tfjs gradients cannot be loaded from CommonJS (${describe(firstError)}), and esbuild, ` +
          'used to convert them, is not installed (npm install --save-dev esbuild)',
      );
    }
    const result = esbuild.buildSync({ entryPoints: [entry], bundle: true, format: 'cjs', platform: 'node', write: false, logLevel: 'silent' });
    const code = result.outputFiles[0].text;
    try {
      const tmp = `${target}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, target); // atomic, so concurrent processes never read half a file
    } catch {
      // No writable temp folder: compile the bundle in memory instead (it requires nothing).
      const { Module } = nodeRequire('node:module') as { Module: new (id: string) => { filename: string; _compile(code: string, file: string): void } };
      const m = new Module(target);
      m.filename = target;
      m._compile(code, target);
      if (!registered()) throw new Error('seqflow: compiled the tfjs gradients bundle in memory but gradients are still missing');
      return;
    }
  }
  nodeRequire(target);
  if (!registered()) throw new Error(`seqflow: loaded ${target} but tfjs gradients are still missing`);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}
