import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './connection.js';
import type { KeyBuilder } from './keys.js';

/**
 * A minute's hash outlives the minute by this much: the console reads the last 60 seconds, which
 * span two minutes, and a reader a little behind still finds both.
 */
const RATE_TTL_MS = 3 * 60_000;

/** How many seconds of votes-per-second the console charts. */
const INGEST_RATE_SECONDS = 60;

/**
 * Adds accepted votes to their boards' per-second tallies: one HINCRBY per board and second, one
 * pipeline per board in an ingest batch. Keyed by minute so that every key expires by itself and none grows
 * with the campaign's length.
 */
export async function tallyIngest(
  redis: RedisClient,
  keys: KeyBuilder,
  votes: readonly { boardId: string; acceptedAt: number }[],
): Promise<void> {
  if (votes.length === 0) return;
  const counts = new Map<string, { boardId: string; key: string; field: string; n: number }>();
  for (const { boardId, acceptedAt } of votes) {
    const second = Math.floor(acceptedAt / 1_000);
    const key = keys.board(boardId).ingestRate(Math.floor(second / 60));
    const field = String(second % 60);
    const id = `${key} ${field}`;
    const entry = counts.get(id);
    if (entry) entry.n++;
    else counts.set(id, { boardId, key, field, n: 1 });
  }
  // One pipeline per board: a board's keys share its hash tag, and a Redis Cluster refuses a
  // pipeline over several masters.
  const pipelines = new Map<string, { pipeline: ChainableCommander; touched: Set<string> }>();
  for (const { boardId, key, field, n } of counts.values()) {
    let board = pipelines.get(boardId);
    if (!board) {
      board = { pipeline: redis.pipeline(), touched: new Set() };
      pipelines.set(boardId, board);
    }
    board.pipeline.hincrby(key, field, n);
    board.touched.add(key);
  }
  await Promise.all(
    [...pipelines.values()].map(({ pipeline, touched }) => {
      for (const key of touched) pipeline.pexpire(key, RATE_TTL_MS);
      return pipeline.exec();
    }),
  );
}

/**
 * The votes ingest accepted for a board in each of the last `seconds` whole seconds before `now`,
 * oldest first, each with its second's start in epoch milliseconds. The current second is left
 * out: it is still filling, and would always read low.
 */
export async function readIngestRate(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  now: number,
  seconds = INGEST_RATE_SECONDS,
): Promise<{ at: number; votes: number }[]> {
  const last = Math.floor(now / 1_000) - 1;
  const wanted = Array.from({ length: seconds }, (_, i) => last - seconds + 1 + i);
  const minutes = [...new Set(wanted.map((s) => Math.floor(s / 60)))];
  const pipeline = redis.pipeline();
  for (const minute of minutes) pipeline.hgetall(keys.board(boardId).ingestRate(minute));
  const results = (await pipeline.exec()) ?? [];
  const byMinute = new Map<number, Record<string, string>>();
  minutes.forEach((minute, i) => {
    const [error, value] = results[i] ?? [];
    if (error) throw error;
    byMinute.set(minute, (value as Record<string, string> | null) ?? {});
  });
  return wanted.map((s) => ({
    at: s * 1_000,
    votes: Number(byMinute.get(Math.floor(s / 60))?.[String(s % 60)] ?? 0),
  }));
}
