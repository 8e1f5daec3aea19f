/**
 * seqflow's models: layers written on tfjs-core ops (so every backend runs them), the text
 * classifier, its training loop, metrics, and saving/loading.
 */
export { Embedding, embeddingLookup, type EmbeddingOptions } from './embedding';
export * from './recurrent';
export { loadTorchWeights, type TorchWeightValue } from './torch-weights';
export {
  TextClassifier,
  DEFAULT_ARCHITECTURE,
  NOTEBOOK_ARCHITECTURE,
  lengthMask,
  softmaxCrossEntropy,
  validateConfig,
  type ClassifierArchitecture,
  type ClassifierConfig,
  type EncoderKind,
  type ForwardOptions,
  type Pooling,
  type Prediction,
  type TextClassifierInit,
} from './classifier';
export { TextEncoding, DEFAULT_TEXT_SETTINGS, type TextSettings } from './text-encoding';
export { fit, type BatchLog, type EarlyStoppingOptions, type EpochLog, type FitCallbacks, type FitOptions, type History, type MonitoredMetric } from './fit';
export { evaluate, type EvaluateOptions, type EvaluationResult } from './evaluate';
export { ConfusionMatrix, formatMetrics, metricsFromConfusion, type ClassMetrics, type ClassificationMetrics } from './metrics';
export {
  saveClassifier,
  loadClassifier,
  classifierToFiles,
  classifierFromFiles,
  classifierToArtifacts,
  classifierFromArtifacts,
  CLASSIFIER_FILES,
  CLASSIFIER_FORMAT,
  CLASSIFIER_FORMAT_VERSION,
  type ClassifierConfigFile,
  type ClassifierFiles,
  type SaveOptions,
  type SaveResult,
  type WeightsManifest,
} from './io';
export { resolveOptimizer, clipByGlobalNorm, DEFAULT_LEARNING_RATE, TEXT_CLASSIFIER_LEARNING_RATE, type OptimizerName } from './optimizers';
export { ProgressBar, terminalStream, type ProgressBarOptions } from './progress-bar';
export { trainingCurveSvg, type CurveOptions } from './training-curve';
export type { BatchSource } from './batches';
export type { TrainableClassifier } from './trainable';
export * from './elmo';
export { registerGradients } from './gradients';
