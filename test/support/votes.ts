import type { Config } from '@rallyboard/core/config';
import type { BoardView } from '@rallyboard/core/protocol';
import { participantToken } from './participants.js';

/** Where votes go: a running server and the config it signs tokens with (a TestServer is one). */
export interface VoteTarget {
  url: string;
  deps: { config: Pick<Config, 'auth'> };
}

export interface CastOptions {
  action?: 'vote' | 'like' | 'unlike';
  /** The participant who votes; a token is signed for them. @default 'p-test-voter' */
  participantId?: string;
  idempotencyKey?: string;
  /** More request headers, e.g. `x-device-id`. */
  headers?: Record<string, string>;
}

/** POSTs one vote as a signed-in participant would. */
export async function castVote(
  server: VoteTarget,
  boardId: string,
  candidateId: string,
  options: CastOptions = {},
) {
  const token = await participantToken(server.deps.config, options.participantId ?? 'p-test-voter');
  return fetch(`${server.url}/api/boards/${boardId}/votes`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ candidateId, ...(options.action ? { action: options.action } : {}) }),
  });
}

/** GETs a board's whole all-time ranking (up to 100 members) over REST. */
export async function readRanking(
  baseUrl: string,
  boardId: string,
  window: 'all' | 'day' = 'all',
): Promise<BoardView> {
  const res = await fetch(`${baseUrl}/api/boards/${boardId}/leaderboard?limit=100&window=${window}`);
  if (res.status !== 200) throw new Error(`leaderboard answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as BoardView;
}

/** Runs `task(i)` for i in 0..count-1 with `parallel` in flight at once. */
export async function inParallel(
  count: number,
  parallel: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
