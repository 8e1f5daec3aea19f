import { describe, expect, it } from 'vitest';
import { random } from './random-values';
import { type MatrixEngine } from '../../../src/backends/kernels/cpu/matrix-engine';
import { recurrentLayerBackward, recurrentLayerForward, type LayerArgs } from '../../../src/backends/kernels/cpu/recurrent-layer';
import { createThreadedWasmMatrixEngine, createWasmMatrixEngine } from '../../../src/backends/kernels/wasm/wasm-engine';

/** A bidirectional LSTM layer with uneven lengths (one row empty) and a hidden size with a scalar tail. */
function layerArgs(H: number): LayerArgs {
  const B = 5;
  const T = 9;
  const I = 7;
  const G = 4 * H;
  return {
    kind: 'lstm', time: T, batch: B, input: I, hidden: H,
    x: random(B * T * I, 1),
    dirs: [0, 1].map((d) => ({
      wih: random(G * I, 10 + d), bih: random(G, 20 + d), bhh: random(G, 30 + d), whh: random(G * H, 40 + d),
      h0: random(B * H, 50 + d), c0: random(B * H, 60 + d), reverse: d === 1,
    })),
    start: new Int32Array(B),
    end: Int32Array.from([9, 4, 0, 9, 1]),
  };
}

/** Forward (with trace) and backward: every output and gradient in one list. */
function run(engine: MatrixEngine, args: LayerArgs): Float32Array[] {
  const fwd = recurrentLayerForward(engine, args, true);
  const { batch: B, time: T, hidden: H } = args;
  const dy = random(B * T * 2 * H, 7);
  const back = recurrentLayerBackward(engine, args, fwd.trace!, dy, [random(B * H, 8), random(B * H, 9)], [random(B * H, 11), random(B * H, 12)]);
  return [
    fwd.y, ...fwd.hN, ...fwd.cN, back.dx,
    ...back.dirs.flatMap((g) => [g.dwih, g.dbih, g.dbhh, g.dwhh, g.dh0, g.dc0!]),
  ];
}

/** The same engine without its whole-direction loops: the step-by-step path. */
function perStep(engine: MatrixEngine): MatrixEngine {
  return { ...engine, lstmForwardLoops: undefined, lstmBackwardLoops: undefined };
}

const wasm = createWasmMatrixEngine();
const threaded = createThreadedWasmMatrixEngine();

describe('whole-direction LSTM loops of the wasm engines', () => {
  it('the two-thread engine has its worker running (so the two directions run at once below)', async () => {
    if (!threaded) return;
    for (let i = 0; i < 100 && threaded.parallelism!() !== 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(threaded.parallelism!()).toBe(2);
  });

  for (const engine of [wasm, threaded]) {
    if (engine === null) continue;
    for (const H of [6, 8]) {
      it(`${engine.name}, hidden ${H}: outputs and gradients equal the step-by-step path's exactly`, () => {
        expect(engine.lstmForwardLoops).toBeDefined();
        const args = layerArgs(H);
        const looped = run(engine, args);
        const stepped = run(perStep(engine), args);
        expect(looped.length).toBe(stepped.length);
        looped.forEach((v, k) => {
          expect(v.every(Number.isFinite)).toBe(true);
          expect(Array.from(v)).toEqual(Array.from(stepped[k]));
        });
        // and the outputs are not trivially zero
        expect(looped[0].some((v) => Math.abs(v) > 1e-3)).toBe(true);
      });
    }
  }
});

describe("the wasm engine's pool of trace arrays", () => {
  const engine = createWasmMatrixEngine()!;
  const grads = (args: LayerArgs, trace: ReturnType<typeof recurrentLayerForward>['trace']) => {
    const { batch: B, time: T, hidden: H } = args;
    const back = recurrentLayerBackward(engine, args, trace!, random(B * T * 2 * H, 7), [random(B * H, 8), random(B * H, 9)], [random(B * H, 11), random(B * H, 12)]);
    return [back.dx, ...back.dirs.flatMap((g) => [g.dwih, g.dwhh, g.dh0])];
  };

  it('recycled arrays serve later passes without changing any result, whatever order the passes run in', () => {
    const a = layerArgs(8);
    const b = { ...layerArgs(8), end: Int32Array.from([3, 9, 9, 2, 5]) };
    const first = run(engine, a);
    // As a stacked model runs: both forwards first, then the backwards in reverse order.
    const fa = recurrentLayerForward(engine, a, true);
    const fb = recurrentLayerForward(engine, b, true);
    const gb = grads(b, fb.trace);
    const ga = grads(a, fa.trace);
    expect(fa.trace!.recycled).toBe(true);
    const again = run(engine, a);
    for (const result of [again, [fa.y, ...fa.hN, ...fa.cN]]) {
      result.forEach((v, k) => expect(Array.from(v)).toEqual(Array.from(first[k])));
    }
    const gbAgain = grads(b, recurrentLayerForward(engine, b, true).trace);
    gb.forEach((v, k) => expect(Array.from(gbAgain[k])).toEqual(Array.from(v)));
    expect(Array.from(ga[0])).toEqual(Array.from(first[1 + 2 + 2]));
  });

  it('a second backward pass over one forward pass is refused, not run on reused memory', () => {
    const a = layerArgs(8);
    const fwd = recurrentLayerForward(engine, a, true);
    grads(a, fwd.trace);
    expect(() => grads(a, fwd.trace)).toThrow(/second backward pass/);
  });
});
