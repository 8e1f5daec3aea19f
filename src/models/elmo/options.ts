/**
 * The biLM's `options.json` (bilm-tf / AllenNLP layout): parsed and checked so that a bad
 * file fails with the name of the field at fault rather than deep inside the model.
 */

export interface CharCnnOptions {
  embedding: { dim: number };
  /** [width, number of filters] per convolution. */
  filters: [number, number][];
  n_highway: number;
  /** 262 at inference (261 characters + the zero row for "no token"). */
  n_characters: number;
  max_characters_per_token: number;
  activation: 'relu' | 'tanh';
}

export interface LstmOptions {
  dim: number;
  projection_dim: number;
  n_layers: number;
  cell_clip: number | null;
  proj_clip: number | null;
  use_skip_connections: boolean;
}

export interface ElmoOptions {
  char_cnn: CharCnnOptions;
  lstm: LstmOptions;
  /** Kept when present (training files carry n_tokens_vocab, dropout, …). */
  [key: string]: unknown;
}

function positiveInt(value: unknown, field: string, source: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${source}: "${field}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalClip(value: unknown, field: string, source: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new Error(`${source}: "${field}" must be a positive number or null, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks a parsed options object (or JSON text) and fills the optional fields. */
export function parseElmoOptions(input: unknown, source = 'options.json'): ElmoOptions {
  let raw = input;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch (err) {
      throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
    }
  }
  if (typeof raw !== 'object' || raw === null) throw new Error(`${source}: expected a JSON object`);
  const obj = raw as Record<string, unknown>;
  const cnn = obj.char_cnn as Record<string, unknown> | undefined;
  const lstm = obj.lstm as Record<string, unknown> | undefined;
  if (typeof cnn !== 'object' || cnn === null) throw new Error(`${source}: missing object "char_cnn"`);
  if (typeof lstm !== 'object' || lstm === null) throw new Error(`${source}: missing object "lstm"`);
  const emb = cnn.embedding as Record<string, unknown> | undefined;
  if (typeof emb !== 'object' || emb === null) throw new Error(`${source}: missing object "char_cnn.embedding"`);
  if (!Array.isArray(cnn.filters) || cnn.filters.length === 0) {
    throw new Error(`${source}: "char_cnn.filters" must be a non-empty list of [width, count]`);
  }
  const maxChars = positiveInt(cnn.max_characters_per_token ?? 50, 'char_cnn.max_characters_per_token', source);
  const filters = cnn.filters.map((f, i): [number, number] => {
    if (!Array.isArray(f) || f.length !== 2) throw new Error(`${source}: "char_cnn.filters[${i}]" must be [width, count]`);
    const width = positiveInt(f[0], `char_cnn.filters[${i}][0]`, source);
    if (width > maxChars) throw new Error(`${source}: "char_cnn.filters[${i}]" is wider than max_characters_per_token`);
    return [width, positiveInt(f[1], `char_cnn.filters[${i}][1]`, source)];
  });
  const activation = cnn.activation ?? 'relu';
  if (activation !== 'relu' && activation !== 'tanh') {
    throw new Error(`${source}: "char_cnn.activation" must be "relu" or "tanh", got ${JSON.stringify(activation)}`);
  }
  const nHighway = cnn.n_highway ?? 0;
  if (typeof nHighway !== 'number' || !Number.isInteger(nHighway) || nHighway < 0) {
    throw new Error(`${source}: "char_cnn.n_highway" must be a non-negative integer`);
  }
  const nChars = positiveInt(cnn.n_characters ?? 262, 'char_cnn.n_characters', source);
  if (nChars !== 261 && nChars !== 262) {
    throw new Error(`${source}: "char_cnn.n_characters" must be 261 (training) or 262 (inference), got ${nChars}`);
  }
  const skip = lstm.use_skip_connections ?? false;
  if (typeof skip !== 'boolean') throw new Error(`${source}: "lstm.use_skip_connections" must be true or false`);
  const options: ElmoOptions = {
    ...obj,
    char_cnn: {
      embedding: { dim: positiveInt(emb.dim, 'char_cnn.embedding.dim', source) },
      filters,
      n_highway: nHighway,
      n_characters: nChars,
      max_characters_per_token: maxChars,
      activation,
    },
    lstm: {
      dim: positiveInt(lstm.dim, 'lstm.dim', source),
      projection_dim: positiveInt(lstm.projection_dim, 'lstm.projection_dim', source),
      n_layers: positiveInt(lstm.n_layers ?? 1, 'lstm.n_layers', source),
      cell_clip: optionalClip(lstm.cell_clip, 'lstm.cell_clip', source),
      proj_clip: optionalClip(lstm.proj_clip, 'lstm.proj_clip', source),
      use_skip_connections: skip,
    },
  };
  if (options.lstm.projection_dim > options.lstm.dim) {
    throw new Error(`${source}: "lstm.projection_dim" (${options.lstm.projection_dim}) exceeds "lstm.dim" (${options.lstm.dim})`);
  }
  return options;
}

/** Total char-CNN filters (the width of the highway layers). */
export function nFilters(options: ElmoOptions): number {
  return options.char_cnn.filters.reduce((sum, [, n]) => sum + n, 0);
}

/** bilm-tf projects the LSTM output only when projection_dim < dim. */
export function lstmHasProjection(options: ElmoOptions): boolean {
  return options.lstm.projection_dim < options.lstm.dim;
}

/** bilm-tf projects the char-CNN output only when the filter total differs from projection_dim. */
export function cnnHasProjection(options: ElmoOptions): boolean {
  return nFilters(options) !== options.lstm.projection_dim;
}
