/**
 * Sentiment of product reviews with a recurrent classifier: the notebook's first half, end to end.
 *
 *   npx ts-node examples/amazon-sentiment.ts                 # bundled fine-food reviews, BiLSTM
 *   npx ts-node examples/amazon-sentiment.ts --notebook      # the notebook's exact model and optimiser
 *   npx ts-node examples/amazon-sentiment.ts --data 1429_1.csv --text-column reviews.text --label-column reviews.rating
 *
 * Reads the CSV, preprocesses, tokenises, builds the vocabulary, pads and batches (the pipeline
 * is examples/pipelines/sentiment.ts, shared with the web page), trains with a progress bar,
 * reports validation and test metrics, predicts a few sentences, and writes the model folder
 * and a training-curve SVG. `--help` lists the flags.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendRequest } from '../src/backends';
import { prepareSentimentData, SENTIMENT_DEFAULTS, type LabelMapping } from './pipelines/sentiment';
import { TextClassifier, DEFAULT_ARCHITECTURE, NOTEBOOK_ARCHITECTURE, type ClassifierArchitecture, type EncoderKind, type Pooling } from '../src/models/classifier';
import { fit, type History } from '../src/models/fit';
import { TEXT_CLASSIFIER_LEARNING_RATE } from '../src/models/optimizers';
import { evaluate, type EvaluationResult } from '../src/models/evaluate';
import { formatMetrics, metricsFromConfusion } from '../src/models/metrics';
import { saveClassifier } from '../src/models/io';
import { trainingCurveSvg } from '../src/models/training-curve';

const SENTENCES = [
  'This product is so cool',
  'Terrible taste, I threw it away and will never buy it again.',
  'It was okay, nothing special.',
  'My dog loves these treats and they arrived quickly!',
  'The coffee was stale and bitter.',
];

interface Args {
  data: string;
  textColumn?: string;
  labelColumn?: string;
  labelMapping?: LabelMapping;
  notebook: boolean;
  epochs: number;
  batchSize: number;
  seqLength: number;
  trainRows?: number;
  seed: number;
  backend: BackendRequest | undefined;
  out: string;
  optimizer?: 'adam' | 'sgd';
  learningRate?: number;
  architecture: Partial<ClassifierArchitecture>;
  progress: boolean | 'auto';
  predict: string[];
}

const HELP = `Usage: npx ts-node examples/amazon-sentiment.ts [options]

Data
  --data FILE            CSV file (default: data/amazon-fine-foods/train.csv)
  --text-column NAME     text column (default: review, text or reviews.text)
  --label-column NAME    label column (default: score, label, class, sentiment or reviews.rating)
  --label-mapping M      names (each value a class) or ratings (<=2 -> 0, 3 -> 1, >=4 -> 2);
                         default: ratings when the label column's name contains "rating"
  --train-rows N         rows used for training, from the top (default: 80%); the rest is
                         split in half: validation, then test
  --seq-length N         tokens per review (default ${SENTIMENT_DEFAULTS.seqLength})
  --batch-size N         (default ${SENTIMENT_DEFAULTS.batchSize})
Model and training
  --notebook             the notebook's model: 5-layer LSTM, hidden 16, last hidden state,
                         random initial state, SGD lr 1e-3
  --encoder E            lstm | bilstm | gru | bigru (default ${DEFAULT_ARCHITECTURE.encoder})
  --hidden N --layers N --embedding N --dropout P --pooling last|mean|max
  --optimizer adam|sgd   (default adam; sgd with --notebook)
  --lr X                 learning rate (default 3e-3 with adam, 1e-3 with sgd)
  --epochs N             (default 3)
  --seed N               (default 0)
  --backend NAME         auto | wasm | cpu | tensorflow | cuda (default auto, or SEQFLOW_BACKEND)
Output
  --out DIR              where the model folder (DIR/model) and DIR/training-curve.svg go
                         (default out/amazon-sentiment)
  --predict TEXT         a sentence to classify after training (repeatable)
  --no-progress          no progress bar
  --help`;

export function parseArgs(argv: string[]): Args | 'help' {
  const repoRoot = path.resolve(__dirname, '..');
  const args: Args = {
    data: path.join(repoRoot, 'data/amazon-fine-foods/train.csv'),
    notebook: false,
    epochs: 3,
    batchSize: SENTIMENT_DEFAULTS.batchSize,
    seqLength: SENTIMENT_DEFAULTS.seqLength,
    seed: 0,
    backend: undefined,
    out: path.join(repoRoot, 'out/amazon-sentiment'),
    architecture: {},
    progress: 'auto',
    predict: [],
  };
  const int = (flag: string, v: string | undefined, min = 1): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return n;
  };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new Error(`${flag} needs a number, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return n;
  };
  const oneOf = <T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T => {
    if (!allowed.includes(v as T)) throw new Error(`${flag} must be one of ${allowed.join(', ')}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return v as T;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--data': args.data = value(); break;
      case '--text-column': args.textColumn = value(); break;
      case '--label-column': args.labelColumn = value(); break;
      case '--label-mapping': args.labelMapping = oneOf(flag, value(), ['names', 'ratings'] as const); break;
      case '--train-rows': args.trainRows = int(flag, value()); break;
      case '--seq-length': args.seqLength = int(flag, value()); break;
      case '--batch-size': args.batchSize = int(flag, value()); break;
      case '--notebook': args.notebook = true; break;
      case '--encoder': args.architecture.encoder = oneOf<EncoderKind>(flag, value(), ['lstm', 'bilstm', 'gru', 'bigru']); break;
      case '--hidden': args.architecture.hiddenSize = int(flag, value()); break;
      case '--layers': args.architecture.numLayers = int(flag, value()); break;
      case '--embedding': args.architecture.embeddingDim = int(flag, value()); break;
      case '--dropout': args.architecture.dropout = num(flag, value()); break;
      case '--pooling': args.architecture.pooling = oneOf<Pooling>(flag, value(), ['last', 'mean', 'max']); break;
      case '--optimizer': args.optimizer = oneOf(flag, value(), ['adam', 'sgd'] as const); break;
      case '--lr': args.learningRate = num(flag, value()); break;
      case '--epochs': args.epochs = int(flag, value()); break;
      case '--seed': args.seed = int(flag, value(), 0); break;
      case '--backend': args.backend = value() as BackendRequest; break;
      case '--out': args.out = value(); break;
      case '--predict': args.predict.push(value()); break;
      case '--no-progress': args.progress = false; break;
      default:
        throw new Error(`unknown option ${JSON.stringify(flag)} (see --help)`);
    }
  }
  return args;
}

export interface RunResult {
  history: History;
  validation: EvaluationResult;
  test?: EvaluationResult;
  heldOut: EvaluationResult;
  predictions: { text: string; label: string; probabilities: Record<string, number> }[];
  modelDir: string;
  curvePath: string;
  labels: string[];
  timings: Record<string, number>;
}

export async function run(argv: string[], log: (line: string) => void = (l) => console.log(l)): Promise<RunResult | undefined> {
  const args = parseArgs(argv);
  if (args === 'help') {
    log(HELP);
    return undefined;
  }
  const timings: Record<string, number> = {};
  const clock = () => performance.now() / 1000;
  const started = clock();

  let t = clock();
  const backend = await useBackend(args.backend);
  timings['start backend'] = clock() - t;
  log(`backend      : ${backend.summary}`);

  t = clock();
  const data = await prepareSentimentData(args.data, {
    textColumn: args.textColumn,
    labelColumn: args.labelColumn,
    labelMapping: args.labelMapping,
    trainRows: args.trainRows,
    seqLength: args.seqLength,
    batchSize: args.batchSize,
    seed: args.seed,
  });
  timings['read CSV + vocabulary'] = clock() - t;
  const c = data.counts;
  log(`data         : ${args.data} (text "${data.textColumn}", label "${data.labelColumn}", ${data.labelMapping} → ${data.labels.join(' / ')})`);
  log(`rows         : ${c.rows} (${c.dropped} dropped for a missing value): train ${c.train}, validation ${c.validation}, test ${c.test}`);
  log(`classes      : ${Object.entries(c.perClass).map(([k, v]) => `${k} ${v} (${((100 * v) / c.rows).toFixed(1)}%)`).join(', ')}`);
  log(`vocabulary   : ${data.vocab.size} tokens; sequences padded/truncated to ${args.seqLength}; batches of ${args.batchSize}`);

  const architecture = args.notebook ? { ...NOTEBOOK_ARCHITECTURE, ...args.architecture } : { ...DEFAULT_ARCHITECTURE, ...args.architecture };
  const optimizer = args.optimizer ?? (args.notebook ? 'sgd' : 'adam');
  const learningRate = args.learningRate ?? (optimizer === 'adam' ? TEXT_CLASSIFIER_LEARNING_RATE : 1e-3);
  const model = new TextClassifier({ vocab: data.vocab, labels: data.labels, text: data.text, architecture, seed: args.seed });
  const paramCount = model.trainableVariables.reduce((n, v) => n + v.size, 0);
  const a = model.config;
  log(
    `model        : ${args.notebook ? 'notebook: ' : ''}embedding ${a.embeddingDim} → ${a.encoder} hidden ${a.hiddenSize} × ${a.numLayers} layer(s)` +
      ` → ${a.pooling} pooling → dense ${data.labels.length}; dropout ${a.dropout}; initial state ${a.initialState}; ${paramCount.toLocaleString('en-US')} parameters`,
  );
  log(`training     : ${optimizer} lr ${learningRate}, ${args.epochs} epoch(s), seed ${args.seed}`);

  const stepLosses: number[] = [];
  t = clock();
  const history = await fit(model, data.train, {
    epochs: args.epochs,
    optimizer,
    learningRate,
    validation: data.validation,
    seed: args.seed,
    progress: args.progress,
    stepsPerEpoch: Math.ceil(c.train / args.batchSize),
    callbacks: {
      onBatchEnd: (b) => {
        stepLosses.push(b.loss);
      },
      onEpochEnd: (e) =>
        log(
          `epoch ${e.epoch}      : train loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)}` +
            (e.validation ? ` | validation loss ${e.validation.loss.toFixed(4)} acc ${e.validation.accuracy.toFixed(4)} macro-F1 ${e.validation.macroF1.toFixed(4)}` : '') +
            ` | ${e.seconds.toFixed(1)}s, ${(e.examples / e.stepSeconds).toFixed(1)} examples/s`,
        ),
    },
  });
  const trainSeconds = clock() - t;
  timings['training steps'] = history.timing.step;
  timings['pipeline during training'] = history.timing.data;
  timings['validation each epoch'] = history.timing.validation;

  t = clock();
  const validation = history.epochs[history.epochs.length - 1].validation ?? (await evaluate(model, data.validation));
  const test = c.test > 0 ? await evaluate(model, data.test) : undefined;
  timings['test evaluation'] = clock() - t;
  const majority = Math.max(...Object.values(c.perClass)) / c.rows;
  log('');
  log(`validation (${validation.n} rows)\n${formatMetrics(validation)}`);
  if (test) log(`\ntest (${test.n} rows)\n${formatMetrics(test)}`);
  // Validation and test together: every row after the training rows.
  const heldOut = test ? mergeResults(validation, test, model.labels) : validation;
  const heldOutMajority = Math.max(...heldOut.perClass.map((p) => p.support)) / heldOut.n;
  log(
    `\nall held-out rows (${heldOut.n}): accuracy ${heldOut.accuracy.toFixed(4)}, macro-F1 ${heldOut.macroF1.toFixed(4)} ` +
      `(always answering the most common class: accuracy ${heldOutMajority.toFixed(4)} here, ${majority.toFixed(4)} over the whole file)`,
  );

  t = clock();
  const sentences = args.predict.length ? args.predict : SENTENCES;
  const predicted = await model.predictBatch(sentences);
  timings['prediction'] = clock() - t;
  log('');
  const predictions = sentences.map((text, i) => ({ text, label: predicted[i].label, probabilities: predicted[i].probabilities }));
  for (const p of predictions) {
    const probs = Object.entries(p.probabilities).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
    log(`predict      : ${JSON.stringify(p.text)} → ${p.label} (${probs})`);
  }

  t = clock();
  const modelDir = path.join(args.out, 'model');
  await saveClassifier(model, modelDir, {
    metadata: {
      data: path.basename(args.data),
      textColumn: data.textColumn,
      labelColumn: data.labelColumn,
      labelMapping: data.labelMapping,
      epochs: history.epochs.length,
      optimizer,
      learningRate,
      validation: { accuracy: validation.accuracy, macroF1: validation.macroF1, n: validation.n },
      ...(test ? { test: { accuracy: test.accuracy, macroF1: test.macroF1, n: test.n } } : {}),
    },
  });
  const curvePath = path.join(args.out, 'training-curve.svg');
  fs.writeFileSync(curvePath, trainingCurveSvg(history, { stepLosses, title: `${a.encoder} on ${path.basename(args.data)}: loss, validation accuracy and macro-F1` }));
  timings['saving'] = clock() - t;
  log(`\nsaved        : model ${modelDir}, training curve ${curvePath}`);
  model.dispose();

  const total = clock() - started;
  timings['other'] = Math.max(0, total - Object.values(timings).reduce((x, y) => x + y, 0));
  log(`\ntime (${total.toFixed(1)}s in all, training ${trainSeconds.toFixed(1)}s):`);
  for (const [what, s] of Object.entries(timings)) log(`  ${what.padEnd(26)} ${s.toFixed(1).padStart(7)}s  ${((100 * s) / total).toFixed(0).padStart(3)}%`);
  log(`  tensors in memory at the end: ${tf.memory().numTensors}`);
  return { history, validation, test, heldOut, predictions, modelDir, curvePath, labels: [...data.labels], timings };
}

function mergeResults(a: EvaluationResult, b: EvaluationResult, labels: readonly string[]): EvaluationResult {
  const confusion = a.confusion.map((row, i) => row.map((v, j) => v + b.confusion[i][j]));
  // Recomputed from the summed confusion matrix rather than averaging the two results.
  const m = metricsFromConfusion(confusion, labels);
  return { ...m, loss: (a.loss * a.n + b.loss * b.n) / (a.n + b.n), seconds: a.seconds + b.seconds };
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((err) => {
    console.error(`amazon-sentiment: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
