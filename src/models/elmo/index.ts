// ELMo: character ids, the biLM (char-CNN, highway, projected LSTMs), loading and saving the
// bilm-tf / AllenNLP files, ScalarMix embeddings, pre-training, and a classifier on top.
export {
  BOS_TOKEN,
  EOS_TOKEN,
  MAX_CHARS_PER_TOKEN,
  batchToCharIds,
  tokenToCharIds,
  utf8Bytes,
  type CharIdBatch,
  type CharIdOptions,
} from './char-ids';
export { parseElmoOptions, nFilters, type ElmoOptions, type CharCnnOptions, type LstmOptions } from './options';
export { charCnn, type CharCnnWeights } from './char-cnn';
export { highway, type HighwayWeights } from './highway';
export { runLstmStack, type LstmCellWeights, type LstmState, type LstmStackOptions, type LstmStackResult } from './lstm-projection';
export { fusedLstmProjectionLayer } from './lstm-projection-kernel';
export { BiLm, reverseWithinLengths, type BiLmOutput, type BiLmRunOptions } from './bilm';
export { initWeights, weightsFromArrays, weightsToArrays, listWeights, disposeWeights, type BiLmWeights, type SoftmaxWeights } from './bilm-weights';
export { readHdf5, writeHdf5, loadH5wasm, type NamedArray, type Hdf5Source } from './hdf5-weights';
export { loadBiLm, loadBiLmWeights, loadElmoOptions, saveBiLm, type OptionsSource } from './load';
export { ScalarMix, type ScalarMixOptions } from './scalar-mix';
export { Elmo, type ElmoConfig, type ElmoOutput } from './elmo';
export { LmVocab, UNK_TOKEN } from './lm-vocab';
export {
  pretrainBiLm,
  perplexity,
  saveCheckpoint,
  tinyElmoOptions,
  smallElmoOptions,
  mediumElmoOptions,
  type PretrainConfig,
  type PretrainResult,
  type PretrainEpochLog,
  type Sentences,
  type SoftmaxMode,
} from './pretrain';
export { ElmoClassifier, type ElmoClassifierInit, type ElmoPrediction } from './elmo-classifier';
