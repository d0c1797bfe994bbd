import { describe, expect, it } from 'vitest';
import { decodeScore, encodeScore, MAX_COUNT, MAX_SEQ } from '../../src/redis/score.js';

describe('score encoding', () => {
  it('round-trips counts and seqs, negative counts included', () => {
    for (const [count, seq] of [
      [0, 0],
      [1, 1],
      [42, 123_456],
      [-3, 99],
      [MAX_COUNT, MAX_SEQ],
      [-MAX_COUNT, MAX_SEQ],
      [MAX_COUNT, 0],
    ] as const) {
      expect(decodeScore(encodeScore(count, seq))).toEqual({ count, seq });
    }
  });

  it('orders higher counts first, then the earlier seq, at the limits too', () => {
    const ordered = [
      encodeScore(MAX_COUNT, 1),
      encodeScore(MAX_COUNT, MAX_SEQ),
      encodeScore(MAX_COUNT - 1, 0),
      encodeScore(1, 5),
      encodeScore(1, 6),
      encodeScore(0, 0),
      encodeScore(0, MAX_SEQ),
      encodeScore(-1, 0),
      encodeScore(-MAX_COUNT, MAX_SEQ),
    ];
    expect([...ordered].sort((a, b) => a - b)).toEqual(ordered);
    for (const key of ordered) expect(Number.isSafeInteger(key)).toBe(true);
  });

  it('refuses what it cannot hold exactly', () => {
    expect(() => encodeScore(MAX_COUNT + 1, 0)).toThrow(RangeError);
    expect(() => encodeScore(1, MAX_SEQ + 1)).toThrow(RangeError);
    expect(() => encodeScore(1, -1)).toThrow(RangeError);
    expect(() => encodeScore(1.5, 1)).toThrow(RangeError);
  });
});
