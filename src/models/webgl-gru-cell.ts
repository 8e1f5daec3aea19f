// The element-wise part of one GRU step as a single WebGL program: from the input projection
// gx [batch, 3·hidden] (x·W_ihᵀ + b_ih, PyTorch's order r, z, n), the recurrent projection
// gh [batch, 3·hidden] (h·W_hhᵀ + b_hh) and h_prev [batch, hidden] to the new h. Registered
// for 'webgl' only, by name, without importing tfjs-backend-webgl (see webgl-lstm-cell.ts).
import * as tf from '@tensorflow/tfjs-core';

export const GRU_CELL_KERNEL = 'SeqflowGruCell';

interface WebglProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
}

interface WebglBackendLike {
  runWebGLProgram(program: WebglProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
}

function gruCellProgram(batch: number, hidden: number): WebglProgram {
  return {
    variableNames: ['gx', 'gh', 'hPrev'],
    outputShape: [batch, hidden],
    userCode: `
      float sigmoidOf(float v) {
        return 1.0 / (1.0 + exp(-v));
      }
      // GLSL's tanh overflows to NaN for large |v| on some drivers; this form cannot.
      float tanhOf(float v) {
        float e = exp(-2.0 * abs(v));
        return sign(v) * (1.0 - e) / (1.0 + e);
      }
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

let programRuns = 0;

/** How many times the fused program has run in this process (for tests and benchmarks). */
export function webglGruCellRuns(): number {
  return programRuns;
}

tf.registerKernel({
  kernelName: GRU_CELL_KERNEL,
  backendName: 'webgl',
  kernelFunc: ({ inputs, backend }) => {
    const { gx, gh, hPrev } = inputs as { gx: tf.TensorInfo; gh: tf.TensorInfo; hPrev: tf.TensorInfo };
    const [batch, hidden] = hPrev.shape;
    for (const [name, t] of [['gx', gx], ['gh', gh]] as const) {
      if (t.shape.length !== 2 || t.shape[0] !== batch || t.shape[1] !== 3 * hidden) {
        throw new Error(`${GRU_CELL_KERNEL}: ${name} has shape [${t.shape}], expected [${batch},${3 * hidden}]`);
      }
    }
    programRuns++;
    return (backend as unknown as WebglBackendLike).runWebGLProgram(gruCellProgram(batch, hidden), [gx, gh, hPrev], 'float32');
  },
});

let enabled = true;

/** Turns the fused program off (true: on, the default), e.g. to compare with the op path. */
export function setWebglGruCellEnabled(on: boolean): void {
  enabled = on;
}

/** Whether gruSequenceOps uses the fused program now: on the webgl backend, unless turned off. */
export function webglGruCellActive(): boolean {
  return enabled && tf.getBackend() === 'webgl';
}

// The gradient, with ordinary ops from the gates recomputed off the saved inputs: with
// r, z the gate activations, a = gx_n + r·gh_n, n = tanh(a) and h' = n + z·(h − n),
//   d(h) = dH'·z,  d(a) = dH'·(1 − z)·(1 − n²),  d(pre_z) = dH'·(h − n)·z(1 − z),
//   d(pre_r) = d(a)·gh_n·r(1 − r);  d(gx) = [d(pre_r), d(pre_z), d(a)],
//   d(gh) = [d(pre_r), d(pre_z), d(a)·r].
const fusedCell = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [gx, gh, hPrev, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const h = tf.engine().runKernel(GRU_CELL_KERNEL, { gx, gh, hPrev }) as tf.Tensor;
  save([gx, gh, hPrev]);
  return {
    value: h,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedGx, savedGh, savedHPrev] = saved;
      const [xr, xz, xn] = tf.split(savedGx, 3, 1);
      const [hr, hz, hn] = tf.split(savedGh, 3, 1);
      const r = tf.sigmoid(tf.add(xr, hr));
      const z = tf.sigmoid(tf.add(xz, hz));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      const one = tf.scalar(1);
      const dA = tf.mul(tf.mul(dy, tf.sub(one, z)), tf.sub(one, tf.square(n)));
      const dPreZ = tf.mul(tf.mul(dy, tf.sub(savedHPrev, n)), tf.mul(z, tf.sub(one, z)));
      const dPreR = tf.mul(tf.mul(dA, hn), tf.mul(r, tf.sub(one, r)));
      return [tf.concat([dPreR, dPreZ, dA], 1), tf.concat([dPreR, dPreZ, tf.mul(dA, r)], 1), tf.mul(dy, z)];
    },
  };
});

/** One GRU step's element-wise part on webgl: the new h from gx, gh and h_prev. */
export function webglGruCell(gx: tf.Tensor2D, gh: tf.Tensor2D, hPrev: tf.Tensor2D): tf.Tensor2D {
  return fusedCell(gx, gh, hPrev) as tf.Tensor2D;
}
