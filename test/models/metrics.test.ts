import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, formatMetrics, metricsFromConfusion } from '../../src/models/metrics';

describe('metrics', () => {
  it('computes accuracy, per-class precision/recall/F1 and macro-F1 from predictions', () => {
    // y_true = [0,0,0,1,1,2], y_pred = [0,1,0,1,2,2]; scikit-learn: accuracy 4/6,
    // precision [1, 0.5, 0.5], recall [2/3, 0.5, 1], f1 [0.8, 0.5, 2/3], macro-F1 0.65556.
    const m = new ConfusionMatrix(3);
    m.addAll([0, 0, 0, 1, 1, 2], [0, 1, 0, 1, 2, 2]);
    const r = m.metrics(['neg', 'neu', 'pos']);
    expect(r.n).toBe(6);
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    expect(r.perClass.map((c) => c.precision)).toEqual([1, 0.5, 0.5]);
    expect(r.perClass[0].recall).toBeCloseTo(2 / 3, 12);
    expect(r.perClass.map((c) => c.support)).toEqual([3, 2, 1]);
    expect(r.perClass[0].f1).toBeCloseTo(0.8, 12);
    expect(r.perClass[2].f1).toBeCloseTo(2 / 3, 12);
    expect(r.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(r.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(r.perClass.map((c) => c.label)).toEqual(['neg', 'neu', 'pos']);
  });

  it('gives 0 precision to a class never predicted and counts it in macro-F1 (majority-class predictor)', () => {
    // The notebook's failure mode: everything predicted as class 0.
    const r = metricsFromConfusion([
      [658, 0],
      [342, 0],
    ]);
    expect(r.accuracy).toBeCloseTo(0.658, 12);
    expect(r.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(r.macroF1).toBeCloseTo((2 * 0.658) / 1.658 / 2, 12);
  });

  it('rejects out-of-range classes and mismatched inputs', () => {
    const m = new ConfusionMatrix(2);
    expect(() => m.add(2, 0)).toThrow(/out of range/);
    expect(() => m.addAll([0, 1], [0])).toThrow(/2 labels but 1 predictions/);
    expect(() => new ConfusionMatrix(0)).toThrow(/positive integer/);
    expect(() => metricsFromConfusion([[1, 0], [0, 1]], ['a'])).toThrow(/1 labels for a 2-class/);
  });

  it('formats a readable table', () => {
    const text = formatMetrics(metricsFromConfusion([[3, 1], [0, 2]], ['great', 'other']));
    expect(text).toContain('accuracy 0.8333');
    expect(text.split('\n').some((l) => /great\s+1\.0000\s+0\.7500/.test(l))).toBe(true);
  });
});
