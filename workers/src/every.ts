/** A pass run on a timer until stopped. */
export interface Periodic {
  /** No pass starts after this; resolves once the one running (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` at once and then `everyMs` after each pass ends (never two at a time), until
 * stopped. A pass catches its own failures: the loop goes on whatever one does.
 */
export function runEvery(pass: () => Promise<void>, everyMs: number): Periodic {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = pass().finally(() => {
      if (!stopped) timer = setTimeout(tick, everyMs);
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
