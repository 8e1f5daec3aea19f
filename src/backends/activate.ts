import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from './errors';
import type { BackendName } from './names';

/**
 * Switches tfjs to a registered backend and proves that it computes. tfjs reports a failed
 * initialisation only through console.warn and a `false`; the warnings are captured here so
 * the reason reaches the user in the error instead of scrolling past in the console.
 */
export async function activateTfBackend(
  name: BackendName,
  tfBackend: string,
  beforeFirstUse?: (backend: tf.KernelBackend) => void,
): Promise<void> {
  const captured: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    captured.push(args.map(String).join(' '));
  };
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfBackend);
  } catch (error) {
    ok = false;
    captured.push(error instanceof Error ? error.message : String(error));
  } finally {
    console.warn = originalWarn;
  }
  if (!ok) {
    const detail = captured
      .map((line) => line.split('\n')[0])
      .filter((line) => !/^Initialization of backend .* failed$/.test(line))
      .join('; ');
    throw new BackendUnavailableError(
      name,
      `tfjs could not initialise its '${tfBackend}' backend` + (detail ? `: ${detail}` : ''),
    );
  }
  beforeFirstUse?.(tf.backend());
  await smokeTest(name);
}

/** True once tfjs has created the backend (settings such as wasm paths are fixed from then on). */
export function isInitialised(tfBackend: string): boolean {
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  return registry[tfBackend] != null;
}

/** A 2x2 by 2x1 product: cheap, and wrong on a backend whose kernels are broken. */
async function smokeTest(name: BackendName): Promise<void> {
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6], [2, 1])));
  let values: ArrayLike<number>;
  try {
    values = await product.data();
  } catch (error) {
    throw new BackendUnavailableError(
      name,
      `started but failed to compute: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    product.dispose();
  }
  if (values[0] !== 17 || values[1] !== 39) {
    throw new BackendUnavailableError(
      name,
      `started but computed [[1,2],[3,4]]·[5,6] as [${Array.from(values).join(', ')}] instead of [17, 39]`,
    );
  }
}
