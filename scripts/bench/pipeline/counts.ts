// "Nothing counted twice", checked after each 2×2 phase: what the phase added to its board (seq,
// total, the scores' sum, the ledger's counted records) must equal the votes it had accepted
// (answered 202, or pre-filled). More would be a vote counted twice; fewer, one lost.
import { ledgerModel } from '@rallyboard/core/db';
import { decodeScore } from '@rallyboard/core/redis';
import { type Ctx, log, sleep } from './context.js';
import type { CountCheck, CountReading } from './results.js';

/**
 * How long to wait once every vote is counted before reading the board for the check: a job
 * delivered again (stalled, or taken by both workers) would land by then and show as a double count.
 */
const SETTLE_MS = 2_500;

/** The board's counters now. */
export async function readCounts(ctx: Ctx, boardId: string): Promise<CountReading> {
  const keys = ctx.keys.board(boardId);
  const [seq, total, flat, ledger] = await Promise.all([
    ctx.redis.get(keys.seq),
    ctx.redis.get(keys.total),
    ctx.redis.zrange(keys.scores, '0', '-1', 'WITHSCORES'),
    ledgerModel(ctx.mongo).countDocuments({ boardId, verdict: 'counted' }),
  ]);
  let scores = 0;
  for (let i = 1; i < flat.length; i += 2) scores += decodeScore(Number(flat[i])).count;
  return { seq: Number(seq ?? 0), total: Number(total ?? 0), scores, ledger };
}

/**
 * Waits until the ledger holds every accepted vote (it is written after Redis) or `timeoutMs`,
 * then SETTLE_MS more, and compares what the board gained since `before` with `accepted`.
 */
export async function checkCounted(
  ctx: Ctx,
  phase: string,
  boardId: string,
  before: CountReading,
  accepted: number,
  timeoutMs = 120_000,
): Promise<CountCheck> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await readCounts(ctx, boardId);
    if (now.seq - before.seq >= accepted && now.ledger - before.ledger >= accepted) break;
    if (Date.now() > deadline) break;
    await sleep(500);
  }
  await sleep(SETTLE_MS);
  const after = await readCounts(ctx, boardId);
  const counted: CountReading = {
    seq: after.seq - before.seq,
    total: after.total - before.total,
    scores: after.scores - before.scores,
    ledger: after.ledger - before.ledger,
  };
  const ok = Object.values(counted).every((n) => n === accepted);
  const check: CountCheck = { phase, boardId, accepted, counted, ok };
  log(`  ${ok ? '✓' : '✗'} ${phase}: ${describeCheck(check)}`);
  return check;
}

/** "accepted 1,234; counted: seq +1,234, total +1,234, scores +1,234, ledger +1,234". */
export function describeCheck(c: CountCheck): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const parts = Object.entries(c.counted).map(([name, x]) => `${name} +${n(x)}`);
  return `accepted ${n(c.accepted)}; counted: ${parts.join(', ')}`;
}
