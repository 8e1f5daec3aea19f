import * as tf from '@tensorflow/tfjs-core';

/**
 * Backends whose tensors live in this process's memory (cpu: JavaScript typed arrays; wasm: the
 * module's heap, one copy away), where seqflow's loops over typed arrays beat many small
 * backend ops. Elsewhere (webgl, webgpu, tensorflow) reading a tensor is a device transfer.
 */
export function isHostBackend(backend: string = tf.getBackend()): boolean {
  return backend === 'cpu' || backend === 'wasm';
}
