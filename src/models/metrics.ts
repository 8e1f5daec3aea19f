/**
 * Classification metrics computed from a confusion matrix, so that evaluation can stream
 * batch by batch and keep only a numClasses × numClasses table of counts.
 */

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** How many examples truly belong to this class. */
  support: number;
}

export interface ClassificationMetrics {
  /** Examples counted. */
  n: number;
  accuracy: number;
  /** Unweighted mean of the per-class F1 scores (scikit-learn's `f1_score(average='macro')`). */
  macroF1: number;
  perClass: ClassMetrics[];
  /** `confusion[trueClass][predictedClass]` = count. */
  confusion: number[][];
}

/** An accumulating confusion matrix. */
export class ConfusionMatrix {
  readonly counts: number[][];

  constructor(readonly numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new Error(`ConfusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
    }
    this.counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  }

  add(trueClass: number, predicted: number): void {
    if (!(trueClass >= 0 && trueClass < this.numClasses) || !(predicted >= 0 && predicted < this.numClasses)) {
      throw new Error(
        `ConfusionMatrix: class index out of range (true ${trueClass}, predicted ${predicted}, ` +
          `${this.numClasses} classes)`,
      );
    }
    this.counts[trueClass][predicted] += 1;
  }

  addAll(trueClasses: ArrayLike<number>, predicted: ArrayLike<number>): void {
    if (trueClasses.length !== predicted.length) {
      throw new Error(`ConfusionMatrix: ${trueClasses.length} labels but ${predicted.length} predictions`);
    }
    for (let i = 0; i < trueClasses.length; i++) this.add(trueClasses[i], predicted[i]);
  }

  get total(): number {
    let n = 0;
    for (const row of this.counts) for (const c of row) n += c;
    return n;
  }

  metrics(labels?: readonly string[]): ClassificationMetrics {
    return metricsFromConfusion(this.counts, labels);
  }
}

/**
 * Precision, recall and F1 per class, accuracy and macro-F1. A class that is never predicted
 * has precision 0 (and one never present, recall 0), as scikit-learn reports with
 * `zero_division=0`; macro-F1 averages over all classes, present or not.
 */
export function metricsFromConfusion(confusion: number[][], labels?: readonly string[]): ClassificationMetrics {
  const k = confusion.length;
  if (labels && labels.length !== k) {
    throw new Error(`metrics: ${labels.length} labels for a ${k}-class confusion matrix`);
  }
  let n = 0;
  let correct = 0;
  const predictedTotals = new Array<number>(k).fill(0);
  for (let t = 0; t < k; t++) {
    if (confusion[t].length !== k) throw new Error(`metrics: confusion row ${t} has ${confusion[t].length} columns, expected ${k}`);
    for (let p = 0; p < k; p++) {
      n += confusion[t][p];
      predictedTotals[p] += confusion[t][p];
    }
    correct += confusion[t][t];
  }
  const perClass: ClassMetrics[] = [];
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const precision = predictedTotals[c] > 0 ? tp / predictedTotals[c] : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ label: labels ? labels[c] : String(c), precision, recall, f1, support });
  }
  return {
    n,
    accuracy: n > 0 ? correct / n : 0,
    macroF1: perClass.reduce((a, m) => a + m.f1, 0) / k,
    perClass,
    confusion: confusion.map((row) => row.slice()),
  };
}

/** A plain-text table of the per-class metrics and the confusion matrix, for terminals and logs. */
export function formatMetrics(m: ClassificationMetrics): string {
  const width = Math.max(5, ...m.perClass.map((c) => c.label.length));
  const pad = (s: string, w: number) => s.padStart(w);
  const lines = [
    `accuracy ${m.accuracy.toFixed(4)}  macro-F1 ${m.macroF1.toFixed(4)}  (n = ${m.n})`,
    `${pad('class', width)}  precision  recall     f1  support`,
    ...m.perClass.map(
      (c) =>
        `${pad(c.label, width)}  ${pad(c.precision.toFixed(4), 9)}  ${pad(c.recall.toFixed(4), 6)}  ` +
        `${pad(c.f1.toFixed(4), 5)}  ${pad(String(c.support), 7)}`,
    ),
    `confusion (rows: true, columns: predicted)`,
    ...m.confusion.map((row, i) => `${pad(m.perClass[i].label, width)}  ${row.map((v) => pad(String(v), 6)).join(' ')}`),
  ];
  return lines.join('\n');
}
