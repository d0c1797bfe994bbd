import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatcher } from '../../src/batch/index.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A promise settled from outside, to hold a batch's work open. */
function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A batcher whose work multiplies by ten, recording every batch it ran. */
function tens(maxItems: number, maxWaitMs: number) {
  const batches: number[][] = [];
  const batcher = createBatcher<number, number>({
    maxItems,
    maxWaitMs,
    run: async (items) => {
      batches.push(items);
      return items.map((x) => x * 10);
    },
  });
  return { batcher, batches };
}

describe('createBatcher', () => {
  it('runs a batch as soon as it holds maxItems, without waiting', async () => {
    vi.useFakeTimers();
    const { batcher, batches } = tens(3, 60_000);
    const results = [batcher.add(1), batcher.add(2), batcher.add(3)];
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await Promise.all(results)).toEqual([10, 20, 30]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs a smaller batch maxWaitMs after its first item', async () => {
    vi.useFakeTimers();
    const { batcher, batches } = tens(10, 100);
    const first = batcher.add(1);
    await vi.advanceTimersByTimeAsync(60);
    const second = batcher.add(2);
    await vi.advanceTimersByTimeAsync(39);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1, 2]]);
    expect(await Promise.all([first, second])).toEqual([10, 20]);
  });

  it('starts a new batch with the item after a full one', async () => {
    vi.useFakeTimers();
    const { batcher, batches } = tens(2, 100);
    const results = [batcher.add(1), batcher.add(2), batcher.add(3)];
    expect(batches).toEqual([[1, 2]]);
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toEqual([[1, 2], [3]]);
    expect(await Promise.all(results)).toEqual([10, 20, 30]);
  });

  it("gives each item its own result, in the batch's order", async () => {
    const batcher = createBatcher<string, string>({
      maxItems: 4,
      maxWaitMs: 10,
      run: async (items) => items.map((item) => item.toUpperCase()),
    });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((item) => batcher.add(item)));
    expect(results).toEqual(['A', 'B', 'C', 'D']);
  });

  it('rejects every item of a failing batch with its error, and the next batch still works', async () => {
    const failure = new Error('redis went away');
    let calls = 0;
    const batcher = createBatcher<number, number>({
      maxItems: 2,
      maxWaitMs: 10,
      run: async (items) => {
        calls++;
        if (calls === 1) throw failure;
        return items.map((x) => x + 1);
      },
    });
    const failed = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(failed).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    expect(await Promise.all([batcher.add(3), batcher.add(4)])).toEqual([4, 5]);
  });

  it('rejects every item when the work answers the wrong number of results', async () => {
    const batcher = createBatcher<number, number>({ maxItems: 3, maxWaitMs: 10, run: async () => [1] });
    const settled = await Promise.allSettled([batcher.add(1), batcher.add(2), batcher.add(3)]);
    for (const result of settled) {
      expect(result).toMatchObject({
        status: 'rejected',
        reason: { message: 'batch of 3 answered 1 results' },
      });
    }
  });

  it('runs batches concurrently: items added while one runs form the next', async () => {
    const gates = [deferred<void>(), deferred<void>()];
    const batches: number[][] = [];
    const batcher = createBatcher<number, number>({
      maxItems: 2,
      maxWaitMs: 60_000,
      run: async (items) => {
        const gate = gates[batches.length];
        batches.push(items);
        await gate?.promise;
        return items;
      },
    });
    const first = Promise.all([batcher.add(1), batcher.add(2)]);
    const second = Promise.all([batcher.add(3), batcher.add(4)]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    gates[1]?.resolve();
    expect(await second).toEqual([3, 4]);
    gates[0]?.resolve();
    expect(await first).toEqual([1, 2]);
  });

  describe('drain', () => {
    it('runs what is gathered now, without waiting for maxWaitMs', async () => {
      vi.useFakeTimers();
      const { batcher, batches } = tens(10, 60_000);
      const results = [batcher.add(1), batcher.add(2)];
      await batcher.drain();
      expect(batches).toEqual([[1, 2]]);
      expect(await Promise.all(results)).toEqual([10, 20]);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('resolves only once every batch started so far has finished', async () => {
      const gate = deferred<void>();
      let finished = false;
      const batcher = createBatcher<number, number>({
        maxItems: 1,
        maxWaitMs: 10,
        run: async (items) => {
          await gate.promise;
          finished = true;
          return items;
        },
      });
      const result = batcher.add(7);
      let drained = false;
      const draining = batcher.drain().then(() => {
        drained = true;
      });
      // Let every settled promise run: the batch is still held open.
      await new Promise((resolve) => setImmediate(resolve));
      expect(drained).toBe(false);
      gate.resolve();
      await draining;
      expect(finished).toBe(true);
      expect(await result).toBe(7);
    });

    it('resolves even when a batch failed, leaving the failure to its items', async () => {
      const batcher = createBatcher<number, number>({
        maxItems: 10,
        maxWaitMs: 60_000,
        run: async () => {
          throw new Error('boom');
        },
      });
      const result = batcher.add(1);
      const settled = Promise.allSettled([result]);
      await expect(batcher.drain()).resolves.toBeUndefined();
      expect(await settled).toEqual([{ status: 'rejected', reason: new Error('boom') }]);
    });

    it('resolves at once with nothing gathered', async () => {
      const { batcher, batches } = tens(10, 100);
      await batcher.drain();
      expect(batches).toEqual([]);
    });
  });
});
