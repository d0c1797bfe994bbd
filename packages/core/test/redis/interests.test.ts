import { INTEREST_HALF_LIFE_MS, likeWeight } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';

describe('interest weights', () => {
  it('halve in weight against a like one half-life newer, so sums decay as the likes age', () => {
    const t = Date.UTC(2026, 11, 6);
    expect(likeWeight(t + INTEREST_HALF_LIFE_MS) / likeWeight(t)).toBeCloseTo(2, 12);
    // Two old likes of one tag against one like of another a month later: the new one leads.
    const old = likeWeight(t) * 2;
    const recent = likeWeight(t + 2 * INTEREST_HALF_LIFE_MS);
    expect(recent / old).toBeCloseTo(2, 12);
    // Still finite decades on.
    expect(Number.isFinite(likeWeight(Date.UTC(2060, 0, 1)))).toBe(true);
  });
});
