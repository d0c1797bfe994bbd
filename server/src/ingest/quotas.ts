import { AppError, dayOf, type QuotaStatus, startOfNextDay } from '@rallyboard/core/protocol';
import {
  type BoardQuotas,
  hasQuotas,
  type KeyBuilder,
  type RedisClient,
  readQuotaUse,
} from '@rallyboard/core/redis';

const left = (limit: number | undefined, used: number) =>
  limit === undefined ? null : Math.max(0, limit - used);
const least = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/**
 * A participant's quotas on a board: limits, use and what remains, from the counters the apply
 * script keeps. Votes still queued are not in them yet: this is what has been decided.
 */
export async function readQuotaStatus(
  deps: { redis: RedisClient; keys: KeyBuilder },
  board: { boardId: string; timezone: string; quotas: BoardQuotas },
  participantId: string,
  now: number = Date.now(),
): Promise<QuotaStatus> {
  const day = dayOf(now, board.timezone);
  const use = hasQuotas(board.quotas)
    ? await readQuotaUse(deps.redis, deps.keys, board.boardId, participantId, day)
    : { day: 0, total: 0, byCandidate: {} };
  const { perDay, perCandidatePerDay, total } = board.quotas;
  const remainingTotal = left(total, use.total);
  return {
    boardId: board.boardId,
    day,
    resetsAt: new Date(startOfNextDay(now, board.timezone)).toISOString(),
    limits: { perDay: perDay ?? null, perCandidatePerDay: perCandidatePerDay ?? null, total: total ?? null },
    used: { today: use.day, total: use.total, byCandidate: use.byCandidate },
    remainingToday: least(left(perDay, use.day), remainingTotal),
    remainingTotal,
  };
}

/**
 * Ingest's fast path: refuses a vote the quotas already rule out, with QUOTA_EXCEEDED saying
 * which limit, what remains and when it resets (and Retry-After for a daily limit). The apply
 * script decides authoritatively.
 */
export function assertWithinQuota(status: QuotaStatus, candidateId: string, now: number = Date.now()): void {
  const { limits, used } = status;
  const limit =
    limits.total !== null && used.total >= limits.total
      ? 'total'
      : limits.perDay !== null && used.today >= limits.perDay
        ? 'perDay'
        : limits.perCandidatePerDay !== null &&
            (used.byCandidate[candidateId] ?? 0) >= limits.perCandidatePerDay
          ? 'perCandidatePerDay'
          : undefined;
  if (limit === undefined) return;
  const daily = limit !== 'total';
  throw new AppError('QUOTA_EXCEEDED', {
    message: daily
      ? `You have used today's votes${limit === 'perCandidatePerDay' ? ' for this candidate' : ''}. They reset at ${status.resetsAt}.`
      : 'You have used all your votes in this campaign.',
    details: {
      limit,
      remaining: 0,
      remainingToday: status.remainingToday,
      remainingTotal: status.remainingTotal,
      resetsAt: daily ? status.resetsAt : null,
      ...(daily
        ? { retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(status.resetsAt) - now) / 1000)) }
        : {}),
    },
  });
}
