// The element-wise part of one LSTM step as a single WebGL program: from the pre-activation
// gates [batch, 4·hidden] (PyTorch's order i, f, g, o) and c_prev [batch, hidden] to h and c.
// The generic op path would otherwise run ~10 programs per step (split, 3 sigmoids, 2 tanh,
// muls, add), each a draw call with its own texture; here it is one draw.
//
// The kernel is registered for 'webgl' only, by name, without importing
// @tensorflow/tfjs-backend-webgl: the backend object handed to the kernel function has
// runWebGLProgram, and a program is a plain object. That keeps the webgl package in its own
// lazily loaded chunk of a browser bundle.
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS_GLSL, type WebglBackendLike, type WebglProgram } from './webgl-program';

export const LSTM_CELL_KERNEL = 'SeqflowLstmCell';

// Output [2, batch, hidden]: plane 0 is h, plane 1 is c. Each plane is contiguous, so taking
// it apart again (tf.unstack on axis 0) is a view on webgl, not another program.
function lstmCellProgram(batch: number, hidden: number): WebglProgram {
  return {
    variableNames: ['gates', 'cPrev'],
    outputShape: [2, batch, hidden],
    userCode: `
      ${ACTIVATIONS_GLSL}
      void main() {
        ivec3 coords = getOutputCoords();
        int b = coords.y;
        int j = coords.z;
        float i = sigmoidOf(getGates(b, j));
        float f = sigmoidOf(getGates(b, j + ${hidden}));
        float g = tanhOf(getGates(b, j + ${2 * hidden}));
        float o = sigmoidOf(getGates(b, j + ${3 * hidden}));
        float c = f * getCPrev(b, j) + i * g;
        setOutput(coords.x == 0 ? o * tanhOf(c) : c);
      }
    `,
  };
}

// The backward pass, from the saved gates, c_prev, the packed output hc = [h; c] and dy = [dH; dC]:
// with i, f, g, o the activations and k = tanh(c), dc = dC + dH·o·(1 − k²), and
//   d(pre_i) = dc·g·i(1−i),  d(pre_f) = dc·c_prev·f(1−f),  d(pre_g) = dc·i(1−g²),
//   d(pre_o) = dH·k·o(1−o),  d(c_prev) = dc·f.
// Two programs (d(gates) [batch, 4·hidden] and d(c_prev) [batch, hidden]): one program with
// both side by side would need a column slice, itself a program, to take them apart.
const BACKWARD_PRELUDE_GLSL = `
  ${ACTIVATIONS_GLSL}
  float gateI; float gateF; float gateG; float gateO; float slopeC; float dcTotal; float dHidden; float tanhC;
  void activations(int b, int j) {
    gateI = sigmoidOf(getGates(b, j));
    gateF = sigmoidOf(getGates(b, j + HIDDEN));
    gateG = tanhOf(getGates(b, j + 2 * HIDDEN));
    gateO = sigmoidOf(getGates(b, j + 3 * HIDDEN));
    tanhC = tanhOf(getHc(1, b, j));
    dHidden = getDy(0, b, j);
    dcTotal = getDy(1, b, j) + dHidden * gateO * (1.0 - tanhC * tanhC);
  }
`;

function lstmGateGradProgram(batch: number, hidden: number): WebglProgram {
  return {
    variableNames: ['gates', 'cPrev', 'hc', 'dy'],
    outputShape: [batch, 4 * hidden],
    userCode: `
      #define HIDDEN ${hidden}
      ${BACKWARD_PRELUDE_GLSL}
      void main() {
        ivec2 coords = getOutputCoords();
        int b = coords.x;
        int gate = coords.y / HIDDEN;
        int j = coords.y - gate * HIDDEN;
        activations(b, j);
        float result;
        if (gate == 0) {
          result = dcTotal * gateG * gateI * (1.0 - gateI);
        } else if (gate == 1) {
          result = dcTotal * getCPrev(b, j) * gateF * (1.0 - gateF);
        } else if (gate == 2) {
          result = dcTotal * gateI * (1.0 - gateG * gateG);
        } else {
          result = dHidden * tanhC * gateO * (1.0 - gateO);
        }
        setOutput(result);
      }
    `,
  };
}

function lstmCPrevGradProgram(batch: number, hidden: number): WebglProgram {
  return {
    variableNames: ['gates', 'cPrev', 'hc', 'dy'],
    outputShape: [batch, hidden],
    userCode: `
      #define HIDDEN ${hidden}
      ${BACKWARD_PRELUDE_GLSL}
      void main() {
        ivec2 coords = getOutputCoords();
        activations(coords.x, coords.y);
        setOutput(dcTotal * gateF);
      }
    `,
  };
}

export const LSTM_CELL_GRAD_KERNEL = 'SeqflowLstmCellGrad';

let programRuns = 0;
let gradRuns = 0;

/** How many times the fused backward pair of programs has run in this process. */
export function webglLstmCellGradRuns(): number {
  return gradRuns;
}


/** How many times the fused program has run in this process (for tests and benchmarks). */
export function webglLstmCellRuns(): number {
  return programRuns;
}

tf.registerKernel({
  kernelName: LSTM_CELL_KERNEL,
  backendName: 'webgl',
  kernelFunc: ({ inputs, backend }) => {
    const { gates, cPrev } = inputs as { gates: tf.TensorInfo; cPrev: tf.TensorInfo };
    const [batch, hidden] = cPrev.shape;
    if (gates.shape.length !== 2 || gates.shape[0] !== batch || gates.shape[1] !== 4 * hidden) {
      throw new Error(`${LSTM_CELL_KERNEL}: gates have shape [${gates.shape}], expected [${batch},${4 * hidden}]`);
    }
    programRuns++;
    return (backend as unknown as WebglBackendLike).runWebGLProgram(lstmCellProgram(batch, hidden), [gates, cPrev], 'float32');
  },
});

tf.registerKernel({
  kernelName: LSTM_CELL_GRAD_KERNEL,
  backendName: 'webgl',
  kernelFunc: ({ inputs, backend }) => {
    const { gates, cPrev, hc, dy } = inputs as Record<'gates' | 'cPrev' | 'hc' | 'dy', tf.TensorInfo>;
    const [batch, hidden] = cPrev.shape;
    const webgl = backend as unknown as WebglBackendLike;
    const all = [gates, cPrev, hc, dy];
    gradRuns++;
    return [
      webgl.runWebGLProgram(lstmGateGradProgram(batch, hidden), all, 'float32'),
      webgl.runWebGLProgram(lstmCPrevGradProgram(batch, hidden), all, 'float32'),
    ];
  },
});

let enabled = true;

/** Turns the fused program off (true: on, the default), e.g. to compare with the op path. */
export function setWebglLstmCellEnabled(on: boolean): void {
  enabled = on;
}

/** Whether lstmSequenceOps uses the fused program now: on the webgl backend, unless turned off. */
export function webglLstmCellActive(): boolean {
  return enabled && tf.getBackend() === 'webgl';
}

// The gradient is the backward pair of programs above, on the inputs and output saved here.
const fusedCell = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [gates, cPrev, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const packed = tf.engine().runKernel(LSTM_CELL_KERNEL, { gates, cPrev }) as tf.Tensor;
  save([gates, cPrev, packed]);
  return {
    value: packed,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedGates, savedCPrev, savedPacked] = saved;
      return tf.engine().runKernel(LSTM_CELL_GRAD_KERNEL, { gates: savedGates, cPrev: savedCPrev, hc: savedPacked, dy }) as tf.Tensor[];
    },
  };
});

/** One LSTM step's element-wise part on webgl: h and c from the pre-activation gates and c_prev. */
export function webglLstmCell(gates: tf.Tensor2D, cPrev: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const packed = fusedCell(gates, cPrev) as tf.Tensor3D;
  // packed is kept for the gradient; callers run inside tf.tidy, as the op path does.
  const [h, c] = tf.unstack(packed) as tf.Tensor2D[];
  return { h, c };
}
