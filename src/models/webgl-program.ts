// What the fused WebGL cell programs share. The kernels are registered by name for 'webgl'
// without importing @tensorflow/tfjs-backend-webgl: the backend object handed to a kernel
// function has runWebGLProgram, and a program is a plain object, so these two shapes suffice.
import type * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-webgl's GPGPUProgram that the cell programs use. */
export interface WebglProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
}

export interface WebglBackendLike {
  runWebGLProgram(program: WebglProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
}

export const ACTIVATIONS_GLSL = `
  float sigmoidOf(float v) {
    return 1.0 / (1.0 + exp(-v));
  }
  // GLSL's tanh overflows to NaN for large |v| on some drivers; this form cannot.
  float tanhOf(float v) {
    float e = exp(-2.0 * abs(v));
    return sign(v) * (1.0 - e) / (1.0 + e);
  }
`;
