import { AppError, type QuotaStatus } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { assertWithinQuota } from '../../src/ingest/quotas.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const status = (over: Partial<QuotaStatus> = {}): QuotaStatus => ({
  boardId: 'b1',
  day: '2026-11-25',
  resetsAt: '2026-11-25T16:00:00.000Z',
  limits: { perDay: 3, perCandidatePerDay: 2, total: 10 },
  used: { today: 0, total: 0, byCandidate: {} },
  remainingToday: 3,
  remainingTotal: 10,
  ...over,
});

function refusal(s: QuotaStatus, candidateId = 'alice'): AppError {
  try {
    assertWithinQuota(s, candidateId, NOW);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected QUOTA_EXCEEDED');
}

describe('assertWithinQuota', () => {
  it('lets a vote through while every limit has room', () => {
    expect(() =>
      assertWithinQuota(status({ used: { today: 2, total: 2, byCandidate: { alice: 1 } } }), 'alice', NOW),
    ).not.toThrow();
  });

  it("refuses past the daily limit, with what remains, when it resets, and Retry-After's seconds", () => {
    const error = refusal(
      status({ used: { today: 3, total: 3, byCandidate: { bob: 3 } }, remainingToday: 0 }),
    );
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.status).toBe(429);
    expect(error.details).toEqual({
      limit: 'perDay',
      remaining: 0,
      remainingToday: 0,
      remainingTotal: 10,
      resetsAt: '2026-11-25T16:00:00.000Z',
      retryAfterSeconds: 6 * 3_600,
    });
  });

  it('refuses past the per-candidate limit for that candidate only', () => {
    const s = status({ used: { today: 2, total: 2, byCandidate: { alice: 2 } }, remainingToday: 1 });
    expect((refusal(s, 'alice').details as { limit: string }).limit).toBe('perCandidatePerDay');
    expect(() => assertWithinQuota(s, 'bob', NOW)).not.toThrow();
  });

  it('refuses past the total with no reset time', () => {
    const error = refusal(status({ used: { today: 0, total: 10, byCandidate: {} }, remainingTotal: 0 }));
    expect(error.details).toMatchObject({ limit: 'total', resetsAt: null });
    expect(error.details).not.toHaveProperty('retryAfterSeconds');
  });
});
