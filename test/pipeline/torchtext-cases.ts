// Loads the torchtext reference cases (../shared/testdata/torchtext/*.json, or the folder named
// by TORCHTEXT_TESTDATA) and the CSV each one was made from.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

export interface TorchtextCase {
  file: string;
  source: string;
  text_column: string;
  max_tokens: number | null;
  specials: string[];
  special_first: boolean;
  itos: string[];
  samples: { text: string; preprocessed: string; tokens: string[]; ids_padded_100: number[] }[];
  basic_english_raw: { text: string; basic_english: string[] }[];
}

export const TORCHTEXT_DIR = process.env.TORCHTEXT_TESTDATA ?? path.resolve(__dirname, '../../../shared/testdata/torchtext');

export function loadCases(): TorchtextCase[] {
  const files = readdirSync(TORCHTEXT_DIR).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no torchtext cases (*.json) in ${TORCHTEXT_DIR}`);
  return files.map((f) => ({ file: f, ...JSON.parse(readFileSync(path.join(TORCHTEXT_DIR, f), 'utf8')) }));
}

/** The non-empty texts of the case's column, as the reference script read them (rows with an empty value skipped). */
export function caseTexts(c: TorchtextCase): string[] {
  const candidates = [path.resolve(TORCHTEXT_DIR, '../../data', c.source), path.resolve(TORCHTEXT_DIR, c.source)];
  const csvPath = candidates.find((p) => existsSync(p));
  if (!csvPath) throw new Error(`${c.file}: source CSV ${c.source} not found (looked in ${candidates.join(', ')})`);
  const rows: Record<string, string>[] = parse(readFileSync(csvPath), { columns: true, bom: true });
  return rows.map((r) => r[c.text_column]).filter((t) => t);
}
