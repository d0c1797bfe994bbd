import { describe, expect, it } from 'vitest';
import { formatVerdict, MAX_SEQ, parseVerdict, type VoteVerdict } from '../../src/redis/index.js';
import { counted, rejected, unchanged } from './board-fixture.js';

describe('verdict markers', () => {
  it('round-trip through formatVerdict and parseVerdict', () => {
    const verdicts: VoteVerdict[] = [
      counted(1),
      counted(MAX_SEQ, -1),
      unchanged(),
      rejected('UNKNOWN_MEMBER'),
      rejected('SCORE_LIMIT'),
    ];
    for (const verdict of verdicts) {
      expect(parseVerdict(formatVerdict(verdict), false)).toEqual(verdict);
      expect(parseVerdict(formatVerdict(verdict), true)).toEqual({ ...verdict, duplicate: true });
    }
    expect(formatVerdict(counted(7, -1))).toBe('c,7,-1');
    expect(formatVerdict(unchanged())).toBe('u');
    expect(formatVerdict(rejected('BOARD_FULL'))).toBe('r,BOARD_FULL');
  });

  it('refuses a marker it cannot read', () => {
    for (const text of ['', 'x', 'c,3', 'c,3,2', 'r', 'r,NOT_A_CODE']) {
      expect(() => parseVerdict(text, false)).toThrow(/unreadable vote verdict/);
    }
  });
});
