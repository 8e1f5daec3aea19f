import { normalizeText } from '../pipeline/preprocess';
import { getTokenizer, type TokenizerName, type Tokenizer } from '../pipeline/tokenize';
import { Vocab, type VocabJSON } from '../pipeline/vocab';
import { padIds } from '../pipeline/pad';

export type { VocabJSON };

/**
 * How raw text becomes a padded row of ids: the same steps, by name, that the training
 * pipeline ran (so a saved model reproduces them without the pipeline's code being saved).
 */
export interface TextSettings {
  /** 'notebook': the notebook's normalisation (pipeline `normalizeText`); 'none': text as is. */
  preprocess: 'notebook' | 'none';
  tokenizer: TokenizerName;
  seqLength: number;
  /** Where padding goes: 'post' (after the tokens, the notebook's) or 'pre'. */
  padding: 'post' | 'pre';
  /** Which end a long text loses: 'post' keeps the first seqLength tokens (the notebook's). */
  truncating: 'post' | 'pre';
  /** The vocabulary token used for padding. */
  padToken: string;
}

export const DEFAULT_TEXT_SETTINGS: TextSettings = {
  preprocess: 'notebook',
  tokenizer: 'basic_english',
  seqLength: 100,
  padding: 'post',
  truncating: 'post',
  padToken: '<PAD>',
};

export class TextEncoding {
  readonly vocab: Vocab;
  readonly settings: TextSettings;
  readonly padId: number;
  private readonly tokenizer: Tokenizer;

  constructor(vocab: VocabJSON | Vocab, settings: Partial<TextSettings> = {}) {
    this.vocab = vocab instanceof Vocab ? vocab : Vocab.fromJSON(vocab);
    this.settings = { ...DEFAULT_TEXT_SETTINGS, ...settings };
    const s = this.settings;
    if (!Number.isInteger(s.seqLength) || s.seqLength < 1) throw new Error(`text settings: seqLength must be a positive integer, got ${s.seqLength}`);
    if (s.preprocess !== 'notebook' && s.preprocess !== 'none') throw new Error(`text settings: preprocess must be 'notebook' or 'none', got ${JSON.stringify(s.preprocess)}`);
    if (s.padding !== 'post' && s.padding !== 'pre') throw new Error(`text settings: padding must be 'post' or 'pre', got ${JSON.stringify(s.padding)}`);
    if (s.truncating !== 'post' && s.truncating !== 'pre') throw new Error(`text settings: truncating must be 'post' or 'pre', got ${JSON.stringify(s.truncating)}`);
    this.tokenizer = getTokenizer(s.tokenizer);
    if (!this.vocab.has(s.padToken)) throw new Error(`text settings: the padding token ${JSON.stringify(s.padToken)} is not in the vocabulary`);
    if (this.vocab.defaultIndex === undefined) {
      throw new Error('text settings: the vocabulary has no default index, so unseen words could not be encoded (build it with defaultToken)');
    }
    this.padId = this.vocab.tokenToId(s.padToken);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  tokens(text: string): string[] {
    return this.tokenizer(this.settings.preprocess === 'notebook' ? normalizeText(text) : text);
  }

  /** One text → seqLength ids and the number of real tokens, exactly as the pipeline's `pad` makes them. */
  encode(text: string): { ids: Int32Array; length: number } {
    const { seqLength, padding, truncating } = this.settings;
    const example = padIds(this.vocab.lookupIds(this.tokens(text)), seqLength, padding, truncating, this.padId);
    return { ids: example.ids, length: example.length };
  }

  /** Many texts → row-major ids [texts, seqLength] and lengths. */
  encodeBatch(texts: readonly string[]): { ids: Int32Array; lengths: Int32Array } {
    const L = this.settings.seqLength;
    const ids = new Int32Array(texts.length * L);
    const lengths = new Int32Array(texts.length);
    texts.forEach((text, r) => {
      if (typeof text !== 'string') throw new TypeError(`predict: text ${r} is ${text === null ? 'null' : typeof text}, expected a string`);
      const e = this.encode(text);
      ids.set(e.ids, r * L);
      lengths[r] = e.length;
    });
    return { ids, lengths };
  }
}
