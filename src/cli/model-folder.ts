import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { TextClassifier } from '../models/classifier';
import type { LabelMapping } from '../pipeline/labelled-csv';
import { loadClassifier } from '../models/io';
import type { ElmoClassifier } from '../models/elmo/elmo-classifier';
import { isElmoClassifierFolder, loadElmoClassifier } from '../models/elmo/classifier-io';

/** The training facts a model folder keeps (columns trained on, how labels were mapped), for the CLI's defaults. */
export async function modelMetadata(dir: string): Promise<{ textColumn?: string; labelColumn?: string; labelMapping?: LabelMapping }> {
  try {
    const config = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')) as { metadata?: Record<string, unknown> };
    const m = config.metadata ?? {};
    return {
      textColumn: typeof m.textColumn === 'string' ? m.textColumn : undefined,
      labelColumn: typeof m.labelColumn === 'string' ? m.labelColumn : undefined,
      labelMapping: m.labelMapping === 'ratings' || m.labelMapping === 'names' ? m.labelMapping : undefined,
    };
  } catch {
    return {}; // loadClassifier reports a missing or broken folder with the details
  }
}

/**
 * Loads whichever kind of classifier the folder holds, by config.json's `format`: an
 * ELMo classifier ("seqflow-elmo-classifier") or a recurrent TextClassifier (anything else,
 * whose loader reports a missing or unknown format).
 */
export async function loadAnyClassifier(dir: string): Promise<TextClassifier | ElmoClassifier> {
  return (await isElmoClassifierFolder(dir)) ? loadElmoClassifier(dir) : loadClassifier(dir);
}
