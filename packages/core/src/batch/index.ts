/**
 * Gathers single requests into batches: `add` one item, get its own result back, while the work
 * runs once per batch. A batch runs when it holds `maxItems`, or `maxWaitMs` after its first item,
 * whichever comes first. If the batch's work fails, every item of it fails with that error.
 *
 * With `maxConcurrent`, at most that many batches run at once; what arrives meanwhile waits and
 * goes in the next batch, which starts as soon as one finishes (group commit). Batches then grow
 * with the load by themselves, which suits a store that writes one batch at a time.
 */
export interface Batcher<I, O> {
  add(item: I): Promise<O>;
  /** Runs what is gathered now, and resolves when every batch started so far has finished. */
  drain(): Promise<void>;
}

export interface BatcherOptions<I, O> {
  maxItems: number;
  maxWaitMs: number;
  /** Most batches running at once. @default Infinity */
  maxConcurrent?: number;
  /** Does the work of one batch; answers one result per item, in order. */
  run(items: I[]): Promise<O[]>;
}

interface Pending<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

export function createBatcher<I, O>(options: BatcherOptions<I, O>): Batcher<I, O> {
  const maxConcurrent = options.maxConcurrent ?? Number.POSITIVE_INFINITY;
  const pending: Pending<I, O>[] = [];
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
    void done.finally(() => {
      running.delete(done);
      // What waited for a free slot goes now.
      if (pending.length > 0 && timer === undefined) flush();
    });
  };

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    while (pending.length > 0 && running.size < maxConcurrent) {
      runBatch(pending.splice(0, options.maxItems));
    }
  };

  return {
    add(item) {
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (running.size >= maxConcurrent) return;
        if (pending.length >= options.maxItems) flush();
        else timer ??= setTimeout(flush, options.maxWaitMs);
      });
    },
    async drain() {
      while (pending.length > 0 || running.size > 0) {
        flush();
        await Promise.allSettled([...running]);
      }
    },
  };
}
