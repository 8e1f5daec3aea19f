import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, describeBackend, useBackend } from '../../src/backends';

const nodeRequire = createRequire(__filename);
function installed(pkg: string): boolean {
  try {
    nodeRequire.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const savedEnv = process.env.SEQFLOW_BACKEND;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.SEQFLOW_BACKEND;
  else process.env.SEQFLOW_BACKEND = savedEnv;
});

describe('useBackend in Node', () => {
  it('shares one tfjs engine with the backend packages (no second tfjs-core)', async () => {
    await useBackend('cpu');
    expect(nodeRequire('@tensorflow/tfjs-core').engine()).toBe(tf.engine());
    expect(nodeRequire.resolve('@tensorflow/tfjs-core')).toBe(
      nodeRequire.resolve('@tensorflow/tfjs-core', { paths: [nodeRequire.resolve('@tensorflow/tfjs-backend-wasm')] }),
    );
  });

  it("'cpu' and 'wasm' start when asked for, and say what they run on", async () => {
    const cpu = await useBackend('cpu');
    expect(cpu).toMatchObject({ name: 'cpu', tfBackend: 'cpu', platform: 'node', requestedBy: 'argument', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');

    const wasm = await useBackend('wasm');
    expect(wasm.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasm.device).toMatch(/^WebAssembly in Node \((SIMD|no SIMD), \d+ threads?\)$/);
    expect(describeBackend()).toEqual(wasm);
    // Prove it computes with its own kernels, not just that it was selected.
    const y = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), tf.tensor1d([4, 5, 6]))));
    expect(await y.data()).toEqual(new Float32Array([32]));
    y.dispose();
  });

  it("'auto' picks the best Node backend that starts and explains each one it skipped", async () => {
    const chosen = await useBackend('auto');
    const hasGpuPackage = installed('@tensorflow/tfjs-node-gpu');
    const hasCpuPackage = installed('@tensorflow/tfjs-node');
    if (!hasGpuPackage && !hasCpuPackage) {
      expect(chosen.name).toBe('wasm');
      expect(chosen.skipped).toEqual([
        {
          name: 'cuda',
          reason:
            '@tensorflow/tfjs-node-gpu is not installed (npm i @tensorflow/tfjs-node-gpu; needs CUDA 11.2 and cuDNN 8.1)',
        },
        {
          name: 'tensorflow',
          reason: '@tensorflow/tfjs-node is not installed (npm i @tensorflow/tfjs-node; downloads libtensorflow at install time)',
        },
      ]);
      expect(chosen.summary.split('\n')).toEqual([
        `wasm: ${chosen.device} (best that starts in node)`,
        'skipped cuda: @tensorflow/tfjs-node-gpu is not installed (npm i @tensorflow/tfjs-node-gpu; needs CUDA 11.2 and cuDNN 8.1)',
        'skipped tensorflow: @tensorflow/tfjs-node is not installed (npm i @tensorflow/tfjs-node; downloads libtensorflow at install time)',
      ]);
    } else {
      expect(['cuda', 'tensorflow']).toContain(chosen.name);
    }
  });

  it('an explicitly requested backend that cannot start throws its reason instead of falling back', async () => {
    await useBackend('cpu');
    if (!installed('@tensorflow/tfjs-node-gpu')) {
      const failure = useBackend('cuda');
      await expect(failure).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(failure).rejects.toThrow(
        "backend 'cuda' cannot start: @tensorflow/tfjs-node-gpu is not installed (npm i @tensorflow/tfjs-node-gpu; needs CUDA 11.2 and cuDNN 8.1)",
      );
    }
    await expect(useBackend('webgl')).rejects.toThrow("backend 'webgl' cannot start: needs a browser: Node has no WebGL");
    await expect(useBackend('webgpu')).rejects.toThrow(/Node has no WebGPU/);
    // Still on the backend that was running before the failed requests.
    expect(tf.getBackend()).toBe('cpu');
    expect(describeBackend().name).toBe('cpu');
  });

  it('reads SEQFLOW_BACKEND when no name is passed, and rejects a misspelt one naming the variable', async () => {
    process.env.SEQFLOW_BACKEND = 'CPU';
    const fromEnv = await useBackend();
    expect(fromEnv).toMatchObject({ name: 'cpu', requested: 'cpu', requestedBy: 'SEQFLOW_BACKEND' });
    expect(fromEnv.summary).toContain('asked for by SEQFLOW_BACKEND=cpu');

    process.env.SEQFLOW_BACKEND = 'webgl';
    await expect(useBackend()).rejects.toThrow(/needs a browser.*\(asked for by SEQFLOW_BACKEND=webgl\)/);

    process.env.SEQFLOW_BACKEND = 'gpu';
    await expect(useBackend()).rejects.toThrow(
      "SEQFLOW_BACKEND: 'gpu' is not a backend; use one of auto, cuda, tensorflow, webgpu, webgl, wasm, cpu",
    );
    // An argument wins over the variable.
    expect((await useBackend('wasm')).requestedBy).toBe('argument');
  });

  it('describes a backend switched with tf.setBackend as such, without inventing a device', async () => {
    await useBackend('wasm');
    await tf.setBackend('cpu');
    expect(describeBackend()).toMatchObject({ name: 'cpu', tfBackend: 'cpu', requestedBy: 'tf.setBackend', skipped: [] });
    expect(describeBackend().device).toMatch(/^unknown: tfjs backend 'cpu' was chosen with tf.setBackend/);
    expect((await useBackend('cpu')).requestedBy).toBe('argument');
  });

  it('leaves no tensors behind when switching backends', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    await useBackend('wasm');
    await useBackend('auto');
    await useBackend('cpu');
    expect(tf.memory().numTensors).toBe(before);
  });
});
