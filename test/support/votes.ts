import type { BoardView } from '@rallyboard/core/protocol';

export interface CastOptions {
  action?: 'vote' | 'like' | 'unlike';
  voterId?: string;
  idempotencyKey?: string;
}

/** POSTs one vote as a client would. */
export function castVote(baseUrl: string, boardId: string, candidateId: string, options: CastOptions = {}) {
  return fetch(`${baseUrl}/api/boards/${boardId}/votes`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
    },
    body: JSON.stringify({
      candidateId,
      ...(options.action ? { action: options.action } : {}),
      ...(options.voterId ? { voterId: options.voterId } : {}),
    }),
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
