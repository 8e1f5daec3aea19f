// `npx ts-node bench/webgl-cells.ts [batch steps hidden reps [unpacked]]`: the fused WebGL LSTM/GRU cell
// programs against the op path they replace, in headless Chromium (WebGL 2 on SwiftShader, so
// CPU-emulated: ratios here say how much per-program overhead was saved, not GPU speed).
import * as path from 'node:path';
import { openHarnessPage } from './harness-page';
import type { WebglCellsBench } from './webgl-cells-page';

export async function main(args: string[]): Promise<void> {
  const [batch, steps, hidden, reps] = [0, 1, 2, 3].map((i, k) => {
    const v = Number(args[i] ?? [16, 20, 64, 5][k]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`bench webgl-cells: argument ${i + 1} must be a positive integer, got "${args[i]}"`);
    return v;
  });
  // 'unpacked': tfjs's own ops also use one value per texel, as the fused programs do.
  const pack = args[4] !== 'unpacked';
  const page = await openHarnessPage<WebglCellsBench>(path.join(__dirname, 'webgl-cells-page.ts'));
  try {
    const time = (...a: Parameters<WebglCellsBench['time']>) => page.call('time', ...a);
    console.log(`webgl (SwiftShader) op path, 1 layer, batch ${batch}, ${steps} steps, hidden ${hidden}, median of ${reps}${pack ? '' : ', WEBGL_PACK off'}`);
    for (const kind of ['lstm', 'gru'] as const) {
      const plain = await time(kind, batch, steps, hidden, reps, false, pack);
      const fused = await time(kind, batch, steps, hidden, reps, true, pack);
      console.log(
        `${kind}: forward ${plain.forwardMs.toFixed(1)} ms ops → ${fused.forwardMs.toFixed(1)} ms fused (×${(plain.forwardMs / fused.forwardMs).toFixed(2)}); ` +
          `forward+grads ${plain.trainMs.toFixed(1)} ms → ${fused.trainMs.toFixed(1)} ms (×${(plain.trainMs / fused.trainMs).toFixed(2)})`,
      );
    }
  } finally {
    await page.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
