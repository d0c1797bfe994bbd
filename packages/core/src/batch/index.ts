/**
 * Gathers single requests into batches: `add` one item, get its own result back, while the work
 * runs once per batch. A batch runs when it holds `maxItems`, or `maxWaitMs` after its first item,
 * whichever comes first. If the batch's work fails, every item of it fails with that error.
 */
export interface Batcher<I, O> {
  add(item: I): Promise<O>;
  /** Runs what is gathered now, and resolves when every batch started so far has finished. */
  drain(): Promise<void>;
}

export interface BatcherOptions<I, O> {
  maxItems: number;
  maxWaitMs: number;
  /** Does the work of one batch; answers one result per item, in order. */
  run(items: I[]): Promise<O[]>;
}

interface Pending<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

export function createBatcher<I, O>(options: BatcherOptions<I, O>): Batcher<I, O> {
  let pending: Pending<I, O>[] = [];
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<void>>();

  const runBatch = (batch: Pending<I, O>[]) => {
    const done = (async () => {
      try {
        const results = await options.run(batch.map((p) => p.item));
        if (results.length !== batch.length) {
          throw new Error(`batch of ${batch.length} answered ${results.length} results`);
        }
        batch.forEach((p, i) => {
          p.resolve(results[i] as O);
        });
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    })();
    running.add(done);
    void done.finally(() => running.delete(done));
  };

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    runBatch(batch);
  };

  return {
    add(item) {
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (pending.length >= options.maxItems) flush();
        else timer ??= setTimeout(flush, options.maxWaitMs);
      });
    },
    async drain() {
      flush();
      await Promise.allSettled([...running]);
    },
  };
}
