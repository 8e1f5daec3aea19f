/**
 * The web page: pick data (the bundled sample, a CSV URL or a dropped file) and its columns,
 * train a sentiment classifier with a live chart on the best backend this browser has, try
 * sentences, save the model (IndexedDB, download) and load one (also one trained in Node).
 * Data preparation is examples/pipelines/sentiment.ts, the same module the Node example runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, useBackend } from '../../src/backends';
import { TextClassifier, type ClassifierArchitecture } from '../../src/models/classifier';
import { fit } from '../../src/models/fit';
import { loadClassifier, saveClassifier } from '../../src/models/io';
import type { SourceInput } from '../../src/pipeline/byte-source';
import { readCsv } from '../../src/pipeline/read-csv';
import { prepareSentimentData, SENTIMENT_DEFAULTS } from '../pipelines/sentiment';
import { LiveChart } from './chart';

const MODEL_NAME = 'seqflow-sentiment';
const TEXT_COLUMN_GUESSES = ['review', 'text', 'reviews.text', 'sentence', 'description'];
const LABEL_COLUMN_GUESSES = ['score', 'label', 'class', 'sentiment', 'reviews.rating', 'rating'];
const SMALL_ARCHITECTURE: Partial<ClassifierArchitecture> = { embeddingDim: 32, hiddenSize: 32, encoder: 'bilstm', pooling: 'max', dropout: 0.2 };

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`page: no element #${id}`);
  return found as T;
}

const ui = {
  backend: element<HTMLParagraphElement>('backend'),
  backendChoice: element<HTMLSelectElement>('backend-choice'),
  dataUrl: element<HTMLInputElement>('data-url'),
  dataLoad: element<HTMLButtonElement>('data-load'),
  dropZone: element<HTMLDivElement>('drop-zone'),
  dataFile: element<HTMLInputElement>('data-file'),
  dataStatus: element<HTMLParagraphElement>('data-status'),
  textColumn: element<HTMLSelectElement>('text-column'),
  labelColumn: element<HTMLSelectElement>('label-column'),
  epochs: element<HTMLInputElement>('epochs'),
  maxSteps: element<HTMLInputElement>('max-steps'),
  batchSize: element<HTMLInputElement>('batch-size'),
  seqLength: element<HTMLInputElement>('seq-length'),
  modelSize: element<HTMLSelectElement>('model-size'),
  seed: element<HTMLInputElement>('seed'),
  train: element<HTMLButtonElement>('train'),
  stop: element<HTMLButtonElement>('stop'),
  trainStatus: element<HTMLSpanElement>('train-status'),
  validation: element<HTMLParagraphElement>('validation'),
  sentence: element<HTMLTextAreaElement>('sentence'),
  prediction: element<HTMLDivElement>('prediction'),
  saveIdb: element<HTMLButtonElement>('save-idb'),
  download: element<HTMLButtonElement>('download'),
  loadIdb: element<HTMLButtonElement>('load-idb'),
  modelUrl: element<HTMLInputElement>('model-url'),
  loadUrl: element<HTMLButtonElement>('load-url'),
  modelFiles: element<HTMLInputElement>('model-files'),
  modelStatus: element<HTMLParagraphElement>('model-status'),
  memory: element<HTMLElement>('memory'),
};

const chart = new LiveChart(element<HTMLCanvasElement>('chart'));
let data: { input: SourceInput; name: string } | undefined;
let model: TextClassifier | undefined;
let training: AbortController | undefined;
/** Bumped per prediction request, so a slow old prediction never overwrites a newer one. */
let predictionTicket = 0;

function say(target: HTMLElement, text: string, isError = false): void {
  target.textContent = text;
  target.classList.toggle('error', isError);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function showMemory(): void {
  // Before a backend is chosen tfjs has none (backends are imported lazily); nothing to count.
  if (!(tf.engine() as unknown as { backendName: string | null }).backendName) return;
  const { numTensors, numBytes } = tf.memory();
  ui.memory.dataset.tensors = String(numTensors);
  say(ui.memory, `tfjs: ${numTensors} tensors, ${(numBytes / 1e6).toFixed(1)} MB`);
}

function setBusy(busy: boolean): void {
  document.body.dataset.busy = busy ? 'yes' : 'no';
  ui.train.disabled = busy || data === undefined;
  ui.stop.disabled = !busy;
  for (const b of [ui.saveIdb, ui.download]) b.disabled = busy || model === undefined;
  for (const b of [ui.loadIdb, ui.loadUrl, ui.dataLoad]) b.disabled = busy;
  ui.modelFiles.disabled = busy;
  ui.dataFile.disabled = busy;
}

// ------------------------------------------------------------------ backend

async function startBackend(): Promise<void> {
  const requested = new URLSearchParams(location.search).get('backend');
  if (requested) ui.backendChoice.value = requested;
  try {
    await useBackend(); // reads ?backend=, else the best that starts
    const d = describeBackend();
    ui.backend.dataset.backend = d.name;
    say(ui.backend, `Backend: ${d.summary}`);
  } catch (error) {
    ui.backend.dataset.backend = 'none';
    say(ui.backend, `${errorText(error)}\nChoose another backend above.`, true);
    throw error;
  }
  ui.backendChoice.addEventListener('change', () => {
    const params = new URLSearchParams(location.search);
    params.set('backend', ui.backendChoice.value);
    location.search = params.toString();
  });
}

// ------------------------------------------------------------------ data

async function chooseData(input: SourceInput, name: string): Promise<void> {
  say(ui.dataStatus, `Reading the columns of ${name}…`);
  try {
    const records = readCsv(input);
    let columns: readonly string[] = [];
    for await (const _ of records) {
      columns = records.fileColumns ?? [];
      break;
    }
    if (columns.length === 0) columns = records.fileColumns ?? [];
    if (columns.length < 2) throw new Error(`${name}: found ${columns.length} column(s); a text and a label column are needed`);
    fillColumns(ui.textColumn, columns, TEXT_COLUMN_GUESSES, 0);
    fillColumns(ui.labelColumn, columns, LABEL_COLUMN_GUESSES, 1);
    data = { input, name };
    // A file replaces the URL as the data; an empty field says so instead of a stale URL.
    if (!(input instanceof URL)) ui.dataUrl.value = '';
    say(ui.dataStatus, `${name}: columns ${columns.join(', ')}. Pick the text and label columns, then train.`);
  } catch (error) {
    data = undefined;
    say(ui.dataStatus, errorText(error), true);
  }
  setBusy(false);
}

function fillColumns(select: HTMLSelectElement, columns: readonly string[], guesses: string[], fallback: number): void {
  select.replaceChildren(...columns.map((c) => new Option(c, c)));
  select.value = guesses.find((g) => columns.includes(g)) ?? columns[Math.min(fallback, columns.length - 1)];
  select.disabled = false;
}

// ------------------------------------------------------------------ training

function numberFrom(input: HTMLInputElement, name: string, min: number): number {
  const value = Number(input.value);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${input.value}"`);
  return value;
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

async function train(): Promise<void> {
  if (!data) return;
  // Two stages, two signals: the datasets keep the preparation's signal for every later
  // epoch, so Stop during training must end fit between steps, not break its data source.
  const preparation = new AbortController();
  training = preparation;
  setBusy(true);
  chart.clear();
  say(ui.validation, '');
  try {
    const epochs = numberFrom(ui.epochs, 'Epochs', 1);
    const maxSteps = numberFrom(ui.maxSteps, 'Stop after steps', 0);
    const seed = numberFrom(ui.seed, 'Seed', 0);
    say(ui.trainStatus, 'Building the vocabulary…');
    const prepared = await prepareSentimentData(data.input, {
      textColumn: ui.textColumn.value,
      labelColumn: ui.labelColumn.value,
      batchSize: numberFrom(ui.batchSize, 'Batch size', 1),
      seqLength: numberFrom(ui.seqLength, 'Tokens per review', 4),
      seed,
      signal: preparation.signal,
    });
    if (preparation.signal.aborted) throw new Error('Stopped before training began.');
    const stepping = new AbortController();
    training = stepping;
    const { counts } = prepared;
    say(
      ui.dataStatus,
      `${data.name}: ${counts.rows} rows (${counts.train} train, ${counts.validation} validation, ${counts.test} test` +
        `${counts.dropped ? `, ${counts.dropped} incomplete dropped` : ''}); labels ${prepared.labels.join(', ')}; ` +
        `vocabulary ${prepared.vocab.size} tokens`,
    );
    const next = new TextClassifier({
      vocab: prepared.vocab,
      labels: prepared.labels,
      text: prepared.text,
      architecture: ui.modelSize.value === 'small' ? SMALL_ARCHITECTURE : 'default',
      seed,
    });
    replaceModel(next);
    const stepsPerEpoch = Math.ceil(counts.train / prepared.batchSize);
    const history = await fit(next, prepared.train, {
      epochs,
      seed,
      signal: stepping.signal,
      validation: prepared.validation,
      progress: false,
      callbacks: {
        onBatchEnd: async (log) => {
          chart.add({ step: log.step, loss: log.loss, accuracy: log.accuracy });
          say(ui.trainStatus, `epoch ${log.epoch}, step ${log.step} of ${stepsPerEpoch * epochs}: loss ${log.loss.toFixed(3)}, accuracy ${log.accuracy.toFixed(2)}`);
          ui.trainStatus.dataset.step = String(log.step);
          if (maxSteps > 0 && log.step >= maxSteps) training?.abort();
          await nextFrame(); // let the chart and the status repaint between steps
        },
        onEpochEnd: (log) => {
          const v = log.validation;
          say(
            ui.validation,
            `epoch ${log.epoch}: train loss ${log.loss.toFixed(3)}, accuracy ${log.accuracy.toFixed(3)}` +
              (v ? `; validation accuracy ${v.accuracy.toFixed(3)}, macro-F1 ${v.macroF1.toFixed(3)}` : '') +
              ` (${log.seconds.toFixed(1)} s)`,
          );
        },
      },
    });
    const steps = history.epochs.reduce((n, e) => n + e.batches, 0) || Number(ui.trainStatus.dataset.step ?? 0);
    say(
      ui.trainStatus,
      `${history.stopReason === 'completed' ? 'Done' : 'Stopped'} after ${steps} steps in ${history.seconds.toFixed(1)} s on ` +
        `${describeBackend().name} (data preparation ${prepared.prepareSeconds.toFixed(1)} s).`,
    );
    document.body.dataset.trained = 'yes';
  } catch (error) {
    say(ui.trainStatus, errorText(error), true);
  } finally {
    training = undefined;
    setBusy(false);
    showMemory();
    await updatePrediction();
  }
}

function replaceModel(next: TextClassifier): void {
  model?.dispose();
  model = next;
}

// ------------------------------------------------------------------ prediction

async function updatePrediction(): Promise<void> {
  const ticket = ++predictionTicket;
  if (!model) return;
  const text = ui.sentence.value;
  try {
    const p = await model.predict(text);
    if (ticket !== predictionTicket) return;
    const bars = Object.entries(p.probabilities).map(([label, probability]) => {
      const row = document.createElement('div');
      row.className = 'bar';
      const name = document.createElement('span');
      name.textContent = label;
      const track = document.createElement('div');
      track.className = 'track';
      const fill = document.createElement('div');
      fill.className = 'fill';
      fill.style.width = `${(probability * 100).toFixed(1)}%`;
      track.append(fill);
      const value = document.createElement('span');
      value.textContent = `${(probability * 100).toFixed(1)}%`;
      row.append(name, track, value);
      return row;
    });
    const heading = document.createElement('div');
    heading.className = 'label';
    heading.textContent = `→ ${p.label}`;
    ui.prediction.replaceChildren(heading, ...bars);
    ui.prediction.dataset.label = p.label;
    ui.prediction.dataset.probabilities = JSON.stringify(p.probabilities);
    ui.prediction.dataset.text = text;
  } catch (error) {
    say(ui.prediction, errorText(error), true);
  }
  showMemory();
}

let typingTimer: ReturnType<typeof setTimeout> | undefined;
ui.sentence.addEventListener('input', () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => void updatePrediction(), 120);
});

// ------------------------------------------------------------------ save and load

async function withModelAction(action: () => Promise<string>): Promise<void> {
  setBusy(true);
  say(ui.modelStatus, 'Working…');
  try {
    say(ui.modelStatus, await action());
  } catch (error) {
    say(ui.modelStatus, errorText(error), true);
  } finally {
    setBusy(false);
    showMemory();
  }
}

async function useLoaded(loaded: TextClassifier, from: string): Promise<string> {
  replaceModel(loaded);
  ui.modelStatus.dataset.loaded = from;
  await updatePrediction();
  const c = loaded.config;
  return `Loaded ${from}: ${c.encoder} hidden ${c.hiddenSize}, vocabulary ${c.vocabSize}, labels ${loaded.labels.join(', ')}.`;
}

ui.saveIdb.addEventListener('click', () =>
  void withModelAction(async () => {
    const result = await saveClassifier(model!, `indexeddb://${MODEL_NAME}`);
    return `Saved in this browser (IndexedDB "${MODEL_NAME}", ${(result.weightBytes / 1e6).toFixed(2)} MB of weights).`;
  }),
);
ui.download.addEventListener('click', () =>
  void withModelAction(async () => {
    await saveClassifier(model!, `downloads://${MODEL_NAME}`);
    return `Downloaded ${MODEL_NAME}.json and ${MODEL_NAME}.weights.bin (load them back with "Model files").`;
  }),
);
ui.loadIdb.addEventListener('click', () =>
  void withModelAction(async () => useLoaded(await loadClassifier(`indexeddb://${MODEL_NAME}`), `IndexedDB "${MODEL_NAME}"`)),
);
ui.loadUrl.addEventListener('click', () =>
  void withModelAction(async () => {
    const url = ui.modelUrl.value.trim();
    if (!url) throw new Error('Type the URL of a model folder first.');
    return useLoaded(await loadClassifier(new URL(url, location.href).href), url);
  }),
);
ui.modelFiles.addEventListener('change', () =>
  void withModelAction(async () => {
    const files = ui.modelFiles.files;
    if (!files || files.length === 0) throw new Error('No files chosen.');
    const names = Array.from(files, (f) => f.name).join(', ');
    return useLoaded(await loadClassifier(files), names);
  }),
);

// ------------------------------------------------------------------ data inputs

ui.dataLoad.addEventListener('click', () => {
  const text = ui.dataUrl.value.trim();
  if (text) void chooseData(new URL(text, location.href), text);
});
ui.dataFile.addEventListener('change', () => {
  const file = ui.dataFile.files?.[0];
  if (file) void chooseData(file, file.name);
});
ui.dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  ui.dropZone.classList.add('over');
});
ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('over'));
ui.dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.dropZone.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file) void chooseData(file, file.name);
});
ui.train.addEventListener('click', () => void train());
ui.stop.addEventListener('click', () => training?.abort());
ui.seqLength.value = String(SENTIMENT_DEFAULTS.seqLength);

async function boot(): Promise<void> {
  setBusy(false);
  showMemory();
  await startBackend();
  const params = new URLSearchParams(location.search);
  const dataUrl = params.get('data');
  if (dataUrl) ui.dataUrl.value = dataUrl;
  await chooseData(new URL(ui.dataUrl.value, location.href), ui.dataUrl.value);
  const modelUrl = params.get('model');
  if (modelUrl) {
    ui.modelUrl.value = modelUrl;
    ui.loadUrl.click();
  }
  document.body.dataset.ready = 'yes';
}

void boot().catch((error) => {
  document.body.dataset.ready = 'failed';
  console.error(error);
  if (!ui.backend.classList.contains('error')) say(ui.backend, `The page failed to start: ${errorText(error)}`, true);
});
