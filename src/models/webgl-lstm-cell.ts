// The element-wise part of one LSTM step as a single WebGL program: from the pre-activation
// gates [batch, 4·hidden] (PyTorch's order i, f, g, o) and c_prev [batch, hidden] to h and c.
// The generic op path would otherwise run ~10 programs per step (split, 3 sigmoids, 2 tanh,
// muls, add), each a draw call with its own texture; here it is one draw. Registered for
// 'webgl' only, by name (see webgl-program.ts).
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS_GLSL, fusedWebglCell, type WebglProgram } from './webgl-program';

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

/** The fused LSTM cell on webgl: `apply(gates, cPrev)` → packed [h; c] of shape [2, batch, hidden]. */
export const fusedLstmCell = fusedWebglCell({
  kernelName: LSTM_CELL_KERNEL,
  inputs: ['gates', 'cPrev'],
  state: 'cPrev',
  widths: { gates: 4 },
  forward: lstmCellProgram,
  backward: (batch, hidden) => [lstmGateGradProgram(batch, hidden), lstmCPrevGradProgram(batch, hidden)],
  backwardReadsOutput: 'hc',
});

/** One LSTM step's element-wise part on webgl: h and c from the pre-activation gates and c_prev. */
export function webglLstmCell(gates: tf.Tensor2D, cPrev: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const packed = fusedLstmCell.apply(gates, cPrev) as tf.Tensor3D;
  // packed is kept for the gradient; callers run inside tf.tidy, as the op path does.
  const [h, c] = tf.unstack(packed) as tf.Tensor2D[];
  return { h, c };
}
