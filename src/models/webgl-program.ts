// What the fused WebGL cell programs share. The kernels are registered by name for 'webgl'
// without importing @tensorflow/tfjs-backend-webgl: the backend object handed to a kernel
// function has runWebGLProgram, and a program is a plain object, so these two shapes suffice.
import * as tf from '@tensorflow/tfjs-core';

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

export interface FusedCellSpec {
  /** Kernel name of the forward program; the backward kernel is this + 'Grad'. */
  kernelName: string;
  /** Forward inputs, in the order of the programs' variableNames; `state` is [batch, hidden]. */
  inputs: readonly string[];
  state: string;
  /** Width of each other input in units of hidden (the LSTM's gates: 4). */
  widths: Readonly<Record<string, number>>;
  forward(batch: number, hidden: number): WebglProgram;
  /**
   * One program per forward input, in order: the gradient with respect to that input. They
   * read the forward inputs, then the forward output when `backwardReadsOutput` names it,
   * then 'dy'.
   */
  backward(batch: number, hidden: number): WebglProgram[];
  backwardReadsOutput?: string;
}

/** A fused cell's forward and backward kernels on webgl, and the switch and counters around them. */
export interface FusedWebglCell {
  readonly kernelName: string;
  readonly gradKernelName: string;
  /** Runs the forward program, differentiable through the backward programs. */
  apply(...inputs: tf.Tensor[]): tf.Tensor;
  /** Whether the op path uses the fused programs now: on the webgl backend, unless turned off. */
  active(): boolean;
  /** Turns the fused programs off (false) or on (true, the default), e.g. to compare with the op path. */
  setEnabled(on: boolean): void;
  /** How many times the forward program, and the set of backward programs, have run in this process. */
  runs(): number;
  gradRuns(): number;
}

export function fusedWebglCell(spec: FusedCellSpec): FusedWebglCell {
  const gradKernelName = `${spec.kernelName}Grad`;
  let runs = 0;
  let gradRuns = 0;
  let enabled = true;
  const shapeOf = (inputs: Record<string, tf.TensorInfo>) => {
    const [batch, hidden] = inputs[spec.state].shape;
    for (const [name, width] of Object.entries(spec.widths)) {
      const s = inputs[name].shape;
      if (s.length !== 2 || s[0] !== batch || s[1] !== width * hidden) {
        throw new Error(`${spec.kernelName}: ${name} has shape [${s}], expected [${batch},${width * hidden}]`);
      }
    }
    return [batch, hidden];
  };
  const gradInputs = [...spec.inputs, ...(spec.backwardReadsOutput ? [spec.backwardReadsOutput] : []), 'dy'];

  tf.registerKernel({
    kernelName: spec.kernelName,
    backendName: 'webgl',
    kernelFunc: ({ inputs, backend }) => {
      const named = inputs as Record<string, tf.TensorInfo>;
      const [batch, hidden] = shapeOf(named);
      runs++;
      return (backend as unknown as WebglBackendLike).runWebGLProgram(spec.forward(batch, hidden), spec.inputs.map((n) => named[n]), 'float32');
    },
  });
  tf.registerKernel({
    kernelName: gradKernelName,
    backendName: 'webgl',
    kernelFunc: ({ inputs, backend }) => {
      const named = inputs as Record<string, tf.TensorInfo>;
      const [batch, hidden] = named[spec.state].shape;
      const all = gradInputs.map((n) => named[n]);
      gradRuns++;
      return spec.backward(batch, hidden).map((program) => (backend as unknown as WebglBackendLike).runWebGLProgram(program, all, 'float32'));
    },
  });

  const cell = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const given = args as tf.Tensor[];
    const named = Object.fromEntries(spec.inputs.map((n, i) => [n, given[i]]));
    const out = tf.engine().runKernel(spec.kernelName, named) as tf.Tensor;
    save(spec.backwardReadsOutput ? [...given, out] : given);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const names = gradInputs.slice(0, -1);
        const gradNamed = Object.fromEntries([...names.map((n, i) => [n, saved[i]]), ['dy', dy]]);
        return tf.engine().runKernel(gradKernelName, gradNamed) as tf.Tensor[];
      },
    };
  });

  return {
    kernelName: spec.kernelName,
    gradKernelName,
    apply: (...inputs) => cell(...inputs),
    active: () => enabled && tf.getBackend() === 'webgl',
    setEnabled: (on) => {
      enabled = on;
    },
    runs: () => runs,
    gradRuns: () => gradRuns,
  };
}
