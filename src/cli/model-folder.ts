import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** The training facts a model folder keeps (columns trained on), for the CLI's defaults. */
export async function modelMetadata(dir: string): Promise<{ textColumn?: string; labelColumn?: string }> {
  try {
    const config = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')) as { metadata?: Record<string, unknown> };
    const m = config.metadata ?? {};
    return {
      textColumn: typeof m.textColumn === 'string' ? m.textColumn : undefined,
      labelColumn: typeof m.labelColumn === 'string' ? m.labelColumn : undefined,
    };
  } catch {
    return {}; // loadClassifier reports a missing or broken folder with the details
  }
}
