// What every phase of the pipeline benchmark works with: the run's context (services, our
// processes, boards, results so far) and the small readings and waits the phases share.
import type { Config } from '@rallyboard/core/config';
import type { VoteJob } from '@rallyboard/core/queue';
import { decodeScore, type KeyBuilder, type RedisClient } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import { PATHS } from '../../services/paths.js';
import { type Child, cpuMsOf } from './children.js';
import type { Crowd } from './crowd.js';
import { Histogram } from './histogram.js';
import type { LoadResult, ServerMemory } from './messages.js';
import type { Options } from './options.js';
import type { LoadFigures, Results } from './results.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
export const log = (text: string) => console.log(`• ${text}`);

/** One run: what every phase reads, the processes it may restart, and the results it adds to. */
export interface Ctx {
  options: Options;
  config: Config;
  env: Record<string, string | undefined>;
  keys: KeyBuilder;
  redis: RedisClient;
  mongo: Connection;
  queue: Queue<VoteJob>;
  url: string;
  prefix: string;
  server: Child<{ type: 'memory'; gc: boolean }, { type: 'memory'; memory: ServerMemory }>;
  workers: Child<never, { type: string }> | undefined;
  candidates: string[];
  /** The simulated participants the load votes as (crowd.ts). */
  crowd: Crowd;
  pids: Record<string, number | undefined>;
  results: Results;
}

/** The run's vote boards, each with the candidates plus PROBE. */
export const BOARDS = {
  main: 'bench-main',
  single: 'bench-drain-1',
  batched: 'bench-drain-n',
};

/**
 * The rewards phase's drains, each on a board of its own (phases/rewards.ts): a warm-up, then
 * four without reward rules and four with.
 */
export const REWARD_BOARDS = {
  warm: 'bench-rewards-warm',
  off: [1, 2, 3, 4].map((n) => `bench-rewards-off${n}`),
  on: [1, 2, 3, 4].map((n) => `bench-rewards-on${n}`),
};
export const PROBE = 'probe';

/** A board's seq: every counted vote adds exactly 1. */
export async function seqOf(ctx: Ctx, boardId: string): Promise<number> {
  return Number((await ctx.redis.get(ctx.keys.board(boardId).seq)) ?? 0);
}

export async function probeScoreOf(ctx: Ctx, boardId: string): Promise<number> {
  const key = await ctx.redis.zscore(ctx.keys.board(boardId).scores, PROBE);
  return key === null ? 0 : decodeScore(Number(key)).count;
}

export const logFile = (ctx: { prefix: string }, name: string) =>
  `${PATHS.logs}/bench-${ctx.prefix}-${name}.log`;

/** CPU seconds each process uses from now until the returned function is called. */
export function cpuSnapshot(pids: Record<string, number | undefined>): () => Record<string, number> {
  const before = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, pid ? cpuMsOf(pid) : Number.NaN]),
  );
  return () =>
    Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [
        name,
        pid ? (cpuMsOf(pid) - (before[name] ?? Number.NaN)) / 1000 : Number.NaN,
      ]),
    );
}

export function loadFigures(raw: LoadResult): LoadFigures {
  const errors = raw.networkErrors + Object.values(raw.rejected).reduce((a, b) => a + b, 0);
  return {
    acceptedPerS: raw.windowMs > 0 ? (raw.accepted * 1000) / raw.windowMs : Number.NaN,
    latency: Histogram.from(raw.latency).summary(),
    errors,
    raw,
  };
}

/** Polls `read` until it reaches `target`; times from the first value seen above `base`. */
export async function timeDrain(
  read: () => Promise<number>,
  base: number,
  target: number,
  timeoutMs: number,
): Promise<{ votes: number; ms: number; perS: number; timedOut: boolean; doneAt: number }> {
  const deadline = Date.now() + timeoutMs;
  let first: { at: number; value: number } | undefined;
  let value = base;
  while (Date.now() < deadline) {
    value = await read();
    const at = Date.now();
    if (!first && value > base) first = { at, value };
    if (value >= target && first) {
      const votes = target - first.value;
      const ms = at - first.at;
      return { votes, ms, perS: ms > 0 ? (votes * 1000) / ms : Number.NaN, timedOut: false, doneAt: at };
    }
    await sleep(5);
  }
  const votes = first ? value - first.value : 0;
  const ms = first ? Date.now() - first.at : 0;
  return { votes, ms, perS: ms > 0 ? (votes * 1000) / ms : Number.NaN, timedOut: true, doneAt: Date.now() };
}

export async function deleteKeys(redis: RedisClient, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
