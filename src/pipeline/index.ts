/**
 * seqflow's streaming text pipeline.
 *
 * Every operator is a plain function `(source: AsyncIterable<A>) => AsyncIterable<B>`, so
 * IxJS operators (`ix/asynciterable/operators`) and your own functions sit beside ours in a
 * `pipe`. `pipe(source, ...ops)` returns a re-iterable {@link Dataset}: each `for await` is an
 * epoch that re-reads the source (an array, a re-iterable AsyncIterable such as `readCsv`'s,
 * or a function returning a fresh stream).
 *
 * Values or records — one design everywhere: `preprocess`, `tokenize`, `encode` and `pad`
 * transform the items themselves by default (strings → strings → tokens → ids → Example);
 * given `{ key: 'field' }` they transform that field of each record instead and keep every
 * other field. `pad` turns a record into an {@link Example} (`ids`, `length`, `label` from
 * `labelKey`, default `'label'`; the other fields ride along). Batching is two steps:
 * `batch(size)` groups any items into arrays (fixed size, in order) and `collate()` stacks
 * an array of Examples into a {@link Batch} (flat row-major `ids`, `lengths`, `labels`).
 *
 * ```ts
 * const vocab = await buildVocab(pipe(rows, preprocess({ key: 'text' }), tokenize('basic_english', { key: 'text' })),
 *   { key: 'text', maxTokens: 25000, specials: ['<UNK>', '<PAD>'], defaultToken: '<UNK>' });
 * const batches = pipe(rows,
 *   preprocess({ key: 'text' }), tokenize('basic_english', { key: 'text' }), encode(vocab, { key: 'text' }),
 *   encodeLabels(['other', 'great'], { key: 'label' }),
 *   pad({ key: 'text', length: 100, value: vocab.tokenToId('<PAD>') }),
 *   shuffle(1000, { seed: 1 }), batch(16), collate());
 * for await (const b of batches) { ... }   // one epoch
 * ```
 *
 * The other operators work on any items: `shuffle(bufferSize, { seed })` (a new order each
 * epoch, the same sequence of orders for a seed), `batch(size, { dropRemainder })`,
 * `bucketBySequenceLength(boundaries, batchSizes)` (Examples → Batches of similar length),
 * `prefetch(n)`, `progress(report)` (rows, bytes, rates). `split(source, { validation, seed })`
 * returns `{ train, validation }` datasets, assigned by a seeded hash of each item's position.
 * RxJS: `toObservable(dataset)` (unsubscribing stops the source) and
 * `fromObservable(observable, { bufferSize })` (a bounded buffer, unlike IxJS's `from`).
 *
 * torchtext parity: `normalizeText` is the notebook's preprocessing, `basicEnglish` is
 * torchtext 0.14's `basic_english`, and `buildVocab` gives the ids of
 * `build_vocab_from_iterator` (count desc, ties by token in code point order, `maxTokens`
 * counting the specials). Counts merge (`countTokens` per shard, `TokenCounter.merge`,
 * `Vocab.fromCounter`).
 *
 * Speed: the notebook's chain runs as one pass where its stages meet directly. `tokenize('basic_english')`
 * right after the default `preprocess()` (same field) reads tokens straight off the text, and
 * `encode(vocab)` or `countTokens`/`buildVocab` right after that go from text to ids or counts
 * without making token strings. The results are those of the separate stages, errors
 * included; a stage of your own in between (or a custom function) keeps them separate.
 *
 * Every operator takes `{ signal }`: aborting stops reading promptly (the source's `return()`
 * runs) and throws the signal's reason, by default a DOMException named AbortError;
 * `abortable(signal)` does the same for any other stage.
 */
export * from './types';
export type { SignalOptions, FieldOptions, FieldOperator, WithField } from './common';
export { abortable } from './abort';
export * from './pipe';
export * from './preprocess';
export * from './tokenize';
export * from './vocab';
export * from './encode';
export * from './labels';
export * from './pad';
export * from './batch';
export * from './collate';
export * from './shuffle';
export * from './bucket';
export * from './split';
export * from './prefetch';
export * from './progress';
export * from './rx';
// Sources: files, URLs, Blobs, streams and iterables as re-iterable datasets.
export { DataError, type DataErrorLocation } from './errors';
export {
  byteChunks,
  describeInput,
  type ByteChunk,
  type ByteInput,
  type InputFactory,
  type SourceInput,
  type SourceOptions,
} from './byte-source';
export { textChunks } from './text-decode';
export * from './read-csv';
export { readLines, type ReadLinesOptions } from './read-lines';
export * from './read-text';
export * from './from-iterable';
// A labelled CSV as a classifier's train/validation/test batches, in one call.
export * from './labelled-csv';
