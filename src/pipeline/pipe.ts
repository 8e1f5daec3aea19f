import type { Operator } from './types';

/**
 * What a dataset reads from: an AsyncIterable or Iterable (read again each epoch, so it must
 * be re-iterable, as arrays and seqflow's sources are) or a function returning one (called
 * each epoch: the way to wrap a one-shot generator).
 */
export type DatasetSource<T> = AsyncIterable<T> | Iterable<T> | (() => AsyncIterable<T> | Iterable<T>);

/** Whether `source` is an iterator that returns itself (a generator object): it can be read only once. */
export function isOneShot(source: object): boolean {
  const s = source as { next?: unknown; [Symbol.asyncIterator]?: () => unknown; [Symbol.iterator]?: () => unknown };
  if (typeof s.next !== 'function') return false;
  const open = s[Symbol.asyncIterator] ?? s[Symbol.iterator];
  return typeof open === 'function' && open.call(s) === s;
}

async function* fromSync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/** Opens one pass over a source. */
export function openSource<T>(source: DatasetSource<T>, what = 'pipe'): AsyncIterable<T> {
  const s = typeof source === 'function' ? source() : source;
  if (s !== null && typeof s === 'object') {
    if (Symbol.asyncIterator in s) return s as AsyncIterable<T>;
    if (Symbol.iterator in s) return fromSync(s as Iterable<T>);
  }
  throw new TypeError(`${what}: the source is ${s === null ? 'null' : typeof s}, expected an AsyncIterable, an Iterable or a function returning one`);
}

/**
 * A re-iterable stream: each `for await` is an epoch that re-reads the source and runs the
 * operators afresh (so `shuffle` reshuffles, and stateful user operators start over).
 */
export class Dataset<T> implements AsyncIterable<T> {
  private epochs = 0;

  constructor(
    private readonly source: DatasetSource<unknown>,
    private readonly ops: readonly Operator<any, any>[] = [],
  ) {
    if (typeof source !== 'function' && (source === null || typeof source !== 'object')) {
      throw new TypeError(`pipe: the source is ${source === null ? 'null' : typeof source}, expected an AsyncIterable, an Iterable or a function returning one`);
    }
    ops.forEach((op, i) => {
      if (typeof op !== 'function') throw new TypeError(`pipe: operator ${i + 1} is ${op === null ? 'null' : typeof op}, expected a function (source) => AsyncIterable`);
    });
  }

  /** How many epochs (iterations) have been started. */
  get epoch(): number {
    return this.epochs;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.open()[Symbol.asyncIterator]();
  }

  /**
   * Starts an epoch: the source re-opened and the operators applied, not yet iterated. A
   * consumer that takes it instead of iterating the dataset sees the last operator's stream
   * (and can fuse with it: `countTokens` after `tokenize` does).
   */
  open(): AsyncIterable<T> {
    if (this.epochs > 0 && typeof this.source !== 'function' && isOneShot(this.source)) {
      throw new TypeError(
        'pipe: the source is a one-shot iterator (e.g. a generator object) and was already read; ' +
          'pass a function that returns a fresh one, e.g. pipe(() => gen(), ...), to read it every epoch',
      );
    }
    this.epochs++;
    let stream: AsyncIterable<unknown> = openSource(this.source);
    for (const op of this.ops) stream = op(stream);
    return stream as AsyncIterable<T>;
  }

  /** A new dataset with more operators after these. */
  pipe<B>(op1: Operator<T, B>): Dataset<B>;
  pipe<B, C>(op1: Operator<T, B>, op2: Operator<B, C>): Dataset<C>;
  pipe<B, C, D>(op1: Operator<T, B>, op2: Operator<B, C>, op3: Operator<C, D>): Dataset<D>;
  pipe<B, C, D, E>(op1: Operator<T, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>): Dataset<E>;
  pipe<B, C, D, E, F>(op1: Operator<T, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>): Dataset<F>;
  pipe<B, C, D, E, F, G>(op1: Operator<T, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>): Dataset<G>;
  pipe<B, C, D, E, F, G, H>(op1: Operator<T, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>, op7: Operator<G, H>): Dataset<H>;
  pipe<B, C, D, E, F, G, H, I>(op1: Operator<T, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>, op7: Operator<G, H>, op8: Operator<H, I>): Dataset<I>;
  pipe<B, C, D, E, F, G, H, I, J>(op1: Operator<T, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>, op7: Operator<G, H>, op8: Operator<H, I>, op9: Operator<I, J>): Dataset<J>;
  pipe<B, C, D, E, F, G, H, I, J, K>(op1: Operator<T, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>, op7: Operator<G, H>, op8: Operator<H, I>, op9: Operator<I, J>, op10: Operator<J, K>): Dataset<K>;
  pipe<B, C, D, E, F, G, H, I, J, K, L>(op1: Operator<T, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>, op7: Operator<G, H>, op8: Operator<H, I>, op9: Operator<I, J>, op10: Operator<J, K>, op11: Operator<K, L>): Dataset<L>;
  pipe(...ops: Operator<any, any>[]): Dataset<any> {
    return new Dataset(this.source, [...this.ops, ...ops]);
  }

  /** Reads one epoch into an array. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) out.push(item);
    return out;
  }
}

/**
 * Chains a source and operators into a re-iterable {@link Dataset}. Any function
 * `(source: AsyncIterable<A>) => AsyncIterable<B>` is an operator: seqflow's, IxJS's
 * (`ix/asynciterable/operators`) and your own.
 */
export function pipe<A>(source: DatasetSource<A>): Dataset<A>;
export function pipe<A, B>(source: DatasetSource<A>, op1: Operator<A, B>): Dataset<B>;
export function pipe<A, B, C>(source: DatasetSource<A>, op1: Operator<A, B>, op2: Operator<B, C>): Dataset<C>;
export function pipe<A, B, C, D>(source: DatasetSource<A>, op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>): Dataset<D>;
export function pipe<A, B, C, D, E>(source: DatasetSource<A>, op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>): Dataset<E>;
export function pipe<A, B, C, D, E, F>(source: DatasetSource<A>, op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>): Dataset<F>;
export function pipe<A, B, C, D, E, F, G>(source: DatasetSource<A>, op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>): Dataset<G>;
export function pipe<A, B, C, D, E, F, G, H>(source: DatasetSource<A>, op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>, op7: Operator<G, H>): Dataset<H>;
export function pipe<A, B, C, D, E, F, G, H, I>(source: DatasetSource<A>, op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>, op7: Operator<G, H>, op8: Operator<H, I>): Dataset<I>;
export function pipe<A, B, C, D, E, F, G, H, I, J>(source: DatasetSource<A>, op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>, op7: Operator<G, H>, op8: Operator<H, I>, op9: Operator<I, J>): Dataset<J>;
export function pipe<A, B, C, D, E, F, G, H, I, J, K>(source: DatasetSource<A>, op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>, op7: Operator<G, H>, op8: Operator<H, I>, op9: Operator<I, J>, op10: Operator<J, K>): Dataset<K>;
export function pipe<A, B, C, D, E, F, G, H, I, J, K, L>(source: DatasetSource<A>, op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>, op7: Operator<G, H>, op8: Operator<H, I>, op9: Operator<I, J>, op10: Operator<J, K>, op11: Operator<K, L>): Dataset<L>;
export function pipe(source: DatasetSource<unknown>, ...ops: Operator<any, any>[]): Dataset<unknown> {
  return new Dataset(source, ops);
}
