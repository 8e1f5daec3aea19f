/**
 * The shared pipeline definition (examples/pipelines/sentiment.ts) yields exactly the same
 * vocabulary and batches of ids in Chromium, reading the CSV over HTTP, as in Node reading it
 * from disk: same seed, same shuffles, epoch after epoch.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSentimentPipeline, type PipelineRun } from './fixtures/sentiment-batches';
import { openHarnessPage, type HarnessPage } from './harness-page';

// The copy the project ships; the shared original when the copy is absent.
const REVIEWS = [
  join(__dirname, '..', '..', 'data', 'amazon-fine-foods', 'train.csv'),
  join(__dirname, '..', '..', '..', 'shared', 'data', 'amazon-fine-foods', 'train.csv'),
].find((p) => existsSync(p))!;
const ROWS = 300;

describe('shared pipeline definition: Node and Chromium', () => {
  let folder: string;
  let csv: string;
  let harness: HarnessPage;
  let node: PipelineRun;
  let browser: PipelineRun;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'seqflow-pipeline-'));
    csv = join(folder, 'reviews.csv');
    // The first ROWS reviews, CRLF line ends kept (none of these rows has a newline in a field).
    const lines = (await readFile(REVIEWS, 'utf8')).split('\r\n');
    await writeFile(csv, lines.slice(0, ROWS + 1).join('\r\n') + '\r\n');
    node = await runSentimentPipeline(csv);
    harness = await openHarnessPage({ files: { 'reviews.csv': csv } });
    browser = await harness.call('sentimentPipeline', 'reviews.csv');
  });
  afterAll(async () => {
    await harness?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('reads the same rows and builds the same vocabulary', () => {
    expect(node.counts).toMatchObject({ rows: ROWS, train: 240, validation: 30, test: 30 });
    expect(browser.counts).toEqual(node.counts);
    expect(browser.labels).toEqual(['great', 'other']);
    expect(node.itos.length).toBeGreaterThan(500);
    expect(browser.itos).toEqual(node.itos);
  });

  it('yields identical batches of ids, lengths and labels, epoch by epoch', () => {
    expect(node.trainEpochs[0]).toHaveLength(15); // 240 rows / 16
    // The seeded shuffle differs between epochs, so equal epochs are not a vacuous match.
    expect(node.trainEpochs[1]).not.toEqual(node.trainEpochs[0]);
    expect(browser.trainEpochs).toEqual(node.trainEpochs);
    expect(browser.validation).toEqual(node.validation);
    expect(browser.test).toEqual(node.test);
    expect(node.test.flatMap((b) => b.ids).some((id) => id > 1)).toBe(true);
  });
});
