/** Runs work for a key, at most so many at once per key (see createLoginTurns). */
export interface LoginTurns {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/**
 * At most `slots` calls at once per key (a client address) in this process; the rest wait their
 * turn, in order, and none is refused here. The sign-in limit charges a failed code only once
 * WeChat has answered, so without turns a burst of bad codes sent at once would all be asked
 * before the first failure was counted; with them, at most `slots` are asked past the budget.
 * A lane is dropped when its last call ends, so idle addresses cost nothing.
 */
export function createLoginTurns(slots: number): LoginTurns {
  const lanes = new Map<string, { running: number; waiting: (() => void)[] }>();
  return {
    async run(key, work) {
      // Everything up to the first await is synchronous: a lane found here cannot be dropped
      // before this call has taken a slot or joined its queue.
      let lane = lanes.get(key);
      if (!lane) {
        lane = { running: 0, waiting: [] };
        lanes.set(key, lane);
      }
      const own = lane;
      if (own.running >= slots) {
        // A finishing call hands its slot straight to the first waiter (running stays counted).
        await new Promise<void>((resolve) => own.waiting.push(resolve));
      } else {
        own.running++;
      }
      try {
        return await work();
      } finally {
        const next = own.waiting.shift();
        if (next) next();
        else if (--own.running === 0) lanes.delete(key);
      }
    },
  };
}
