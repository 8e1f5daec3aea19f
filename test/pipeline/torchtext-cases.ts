// Loads the torchtext reference cases (../shared/testdata/torchtext/*.json, or the folder named
// by TORCHTEXT_TESTDATA) and the CSV each one was made from.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

export interface TorchtextCase {
  file: string;
  source: string;
  text_column: string;
  max_tokens?: number | null;
  min_freq?: number;
  specials?: string[];
  special_first?: boolean;
  itos: string[];
  samples: ({ text: string; preprocessed: string; tokens: string[] } & Record<string, unknown>)[];
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
  const candidates = [
    path.resolve(TORCHTEXT_DIR, '../../data', c.source),
    path.resolve(TORCHTEXT_DIR, c.source),
    path.resolve(__dirname, '../../../shared/data', c.source),
  ];
  const csvPath = candidates.find((p) => existsSync(p));
  if (!csvPath) throw new Error(`${c.file}: source CSV ${c.source} not found (looked in ${candidates.join(', ')})`);
  const rows: Record<string, string>[] = parse(readFileSync(csvPath), { columns: true, bom: true });
  return rows.map((r) => r[c.text_column]).filter((t) => t);
}

/** The build_vocab_from_iterator arguments of a case, as buildVocab options. */
export function vocabOptions(c: TorchtextCase) {
  const specials = c.specials ?? [];
  return {
    maxTokens: c.max_tokens ?? undefined,
    minFreq: c.min_freq ?? 1,
    specials,
    specialFirst: c.special_first ?? true,
    defaultToken: specials.find((t) => /unk/i.test(t)) ?? specials[0],
  };
}

/** The padding of a case's samples: the `ids_padded_N` field, N, and the padding token. */
export function paddingOf(c: TorchtextCase): { field: string; length: number; token: string } {
  const field = Object.keys(c.samples[0] ?? {}).find((k) => /^ids_padded_\d+$/.test(k));
  if (!field) throw new Error(`${c.file}: samples have no ids_padded_N field`);
  const specials = c.specials ?? [];
  const token = specials.find((t) => /pad/i.test(t));
  if (!token) throw new Error(`${c.file}: no padding token among the specials ${JSON.stringify(specials)}`);
  return { field, length: Number(field.slice('ids_padded_'.length)), token };
}
