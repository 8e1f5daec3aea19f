// The element-wise part of one GRU step as a single WebGL program: from the input projection
// gx [batch, 3·hidden] (x·W_ihᵀ + b_ih, PyTorch's order r, z, n), the recurrent projection
// gh [batch, 3·hidden] (h·W_hhᵀ + b_hh) and h_prev [batch, hidden] to the new h. Registered
// for 'webgl' only, by name, without importing tfjs-backend-webgl (see webgl-lstm-cell.ts).
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS_GLSL, fusedWebglCell, type WebglProgram } from './webgl-program';

export const GRU_CELL_KERNEL = 'SeqflowGruCell';

function gruCellProgram(batch: number, hidden: number): WebglProgram {
  return {
    variableNames: ['gx', 'gh', 'hPrev'],
    outputShape: [batch, hidden],
    userCode: `
      ${ACTIVATIONS_GLSL}
      void main() {
        ivec2 coords = getOutputCoords();
        int b = coords.x;
        int j = coords.y;
        float r = sigmoidOf(getGx(b, j) + getGh(b, j));
        float z = sigmoidOf(getGx(b, j + ${hidden}) + getGh(b, j + ${hidden}));
        float n = tanhOf(getGx(b, j + ${2 * hidden}) + r * getGh(b, j + ${2 * hidden}));
        setOutput(n + z * (getHPrev(b, j) - n));
      }
    `,
  };
}

// The backward pass, from the saved gx, gh, h_prev and dy = dH': with r, z the gate
// activations, a = gx_n + r·gh_n, n = tanh(a) and h' = n + z·(h − n),
//   d(h) = dH'·z,  d(a) = dH'·(1 − z)·(1 − n²),  d(pre_z) = dH'·(h − n)·z(1 − z),
//   d(pre_r) = d(a)·gh_n·r(1 − r);  d(gx) = [d(pre_r), d(pre_z), d(a)],
//   d(gh) = [d(pre_r), d(pre_z), d(a)·r].
// Three programs, one per output: one program with all side by side would need column
// slices, each itself a program, to take them apart.
const BACKWARD_PRELUDE_GLSL = `
  ${ACTIVATIONS_GLSL}
  float gateR; float gateZ; float dPreR; float dPreZ; float dA; float dOut;
  void gradients(int b, int j) {
    gateR = sigmoidOf(getGx(b, j) + getGh(b, j));
    gateZ = sigmoidOf(getGx(b, j + HIDDEN) + getGh(b, j + HIDDEN));
    float ghN = getGh(b, j + 2 * HIDDEN);
    float n = tanhOf(getGx(b, j + 2 * HIDDEN) + gateR * ghN);
    dOut = getDy(b, j);
    dA = dOut * (1.0 - gateZ) * (1.0 - n * n);
    dPreZ = dOut * (getHPrev(b, j) - n) * gateZ * (1.0 - gateZ);
    dPreR = dA * ghN * gateR * (1.0 - gateR);
  }
`;

/** d(gx) or, with `recurrent`, d(gh): they differ in the n block only. */
function gruProjectionGradProgram(batch: number, hidden: number, recurrent: boolean): WebglProgram {
  return {
    variableNames: ['gx', 'gh', 'hPrev', 'dy'],
    outputShape: [batch, 3 * hidden],
    userCode: `
      #define HIDDEN ${hidden}
      ${BACKWARD_PRELUDE_GLSL}
      void main() {
        ivec2 coords = getOutputCoords();
        int b = coords.x;
        int gate = coords.y / HIDDEN;
        int j = coords.y - gate * HIDDEN;
        gradients(b, j);
        float result;
        if (gate == 0) {
          result = dPreR;
        } else if (gate == 1) {
          result = dPreZ;
        } else {
          result = ${recurrent ? 'dA * gateR' : 'dA'};
        }
        setOutput(result);
      }
    `,
  };
}

function gruHPrevGradProgram(batch: number, hidden: number): WebglProgram {
  return {
    variableNames: ['gx', 'gh', 'hPrev', 'dy'],
    outputShape: [batch, hidden],
    userCode: `
      #define HIDDEN ${hidden}
      ${BACKWARD_PRELUDE_GLSL}
      void main() {
        ivec2 coords = getOutputCoords();
        gradients(coords.x, coords.y);
        setOutput(dOut * gateZ);
      }
    `,
  };
}

/** The fused GRU cell on webgl: `apply(gx, gh, hPrev)` → the new h. */
export const fusedGruCell = fusedWebglCell({
  kernelName: GRU_CELL_KERNEL,
  inputs: ['gx', 'gh', 'hPrev'],
  state: 'hPrev',
  widths: { gx: 3, gh: 3 },
  forward: gruCellProgram,
  backward: (batch, hidden) => [gruProjectionGradProgram(batch, hidden, false), gruProjectionGradProgram(batch, hidden, true), gruHPrevGradProgram(batch, hidden)],
});

/** One GRU step's element-wise part on webgl: the new h from gx, gh and h_prev. */
export function webglGruCell(gx: tf.Tensor2D, gh: tf.Tensor2D, hPrev: tf.Tensor2D): tf.Tensor2D {
  return fusedGruCell.apply(gx, gh, hPrev) as tf.Tensor2D;
}
