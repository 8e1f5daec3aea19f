/**
 * seqflow: streaming text pipelines and recurrent sequence models on TensorFlow.js.
 *
 * - pipeline: sources (readCsv, readLines, …), operators (preprocess, tokenize, buildVocab,
 *   encode, pad, shuffle, batch, collate, …) and `pipe`;
 * - models: Embedding, Recurrent (LSTM/GRU), TextClassifier, fit, evaluate, save/load;
 * - backends: useBackend('auto' | 'wasm' | 'webgl' | …).
 */
export * from './pipeline';
export * from './models';
export * from './backends';
