import { describe, expect, it } from 'vitest';
import { finalize, interval, lastValueFrom, of, Subject, take, toArray } from 'rxjs';
import { fromObservable, pipe, toObservable, tokenize } from '../../src/pipeline';

describe('toObservable', () => {
  it('emits a dataset pass and completes; each subscription is a new pass', async () => {
    const ds = pipe(['a b', 'c'], tokenize('whitespace'));
    expect(await lastValueFrom(toObservable(ds).pipe(toArray()))).toEqual([['a', 'b'], ['c']]);
    expect(await lastValueFrom(toObservable(ds).pipe(toArray()))).toEqual([['a', 'b'], ['c']]);
  });

  it("unsubscribing stops the source: its finally runs", async () => {
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    let produced = 0;
    async function* endless() {
      try {
        for (;;) {
          produced++;
          yield produced;
          await new Promise((r) => setImmediate(r));
        }
      } finally {
        resolveClosed();
      }
    }
    const firstThree = await lastValueFrom(toObservable(() => endless()).pipe(take(3), toArray()));
    expect(firstThree).toEqual([1, 2, 3]);
    await closed; // the test would time out if the generator were left running
    expect(produced).toBeLessThanOrEqual(4);
  });

  it('passes source errors to the subscriber', async () => {
    async function* bad() {
      yield 1;
      throw new Error('row 2 is broken');
    }
    await expect(lastValueFrom(toObservable(() => bad()))).rejects.toThrow('row 2 is broken');
  });
});

describe('fromObservable', () => {
  it('is a re-iterable dataset: each pass subscribes again, and stopping early unsubscribes', async () => {
    const ds = fromObservable(() => of(1, 2, 3));
    expect(await ds.toArray()).toEqual([1, 2, 3]);
    expect(await ds.toArray()).toEqual([1, 2, 3]);
    let unsubscribed = false;
    for await (const x of fromObservable(interval(1).pipe(finalize(() => (unsubscribed = true))))) if (x === 2) break;
    expect(unsubscribed).toBe(true);
  });

  it('holds at most bufferSize items: overflow errors by default, or drops as asked', async () => {
    const subject = new Subject<number>();
    const strict = fromObservable(subject, { bufferSize: 3 });
    const it = strict[Symbol.asyncIterator]();
    const first = it.next(); // subscribes
    for (let i = 1; i <= 5; i++) subject.next(i);
    expect((await first).value).toBe(1);
    expect((await it.next()).value).toBe(2);
    expect((await it.next()).value).toBe(3);
    await expect(it.next()).rejects.toThrow(/the buffer of 3 items is full/);
    expect(subject.observed).toBe(false);

    const sync = Array.from({ length: 10 }, (_, i) => i);
    const oldest = fromObservable(sync, { bufferSize: 4, overflow: 'dropOldest' });
    expect(await oldest.toArray()).toEqual([6, 7, 8, 9]);
    expect(oldest.dropped).toBe(6);
    const newest = fromObservable(sync, { bufferSize: 4, overflow: 'dropNewest' });
    expect(await newest.toArray()).toEqual([0, 1, 2, 3]);
    expect(newest.dropped).toBe(6);
    expect(() => fromObservable(of(1), { bufferSize: 0 })).toThrow('fromObservable: bufferSize must be a positive integer, got 0');
  });

  it('passes Observable errors on after the buffered items', async () => {
    const subject = new Subject<number>();
    const it = fromObservable(subject)[Symbol.asyncIterator]();
    const first = it.next();
    subject.next(1);
    subject.error(new Error('upstream failed'));
    expect((await first).value).toBe(1);
    await expect(it.next()).rejects.toThrow('upstream failed');
  });
});
