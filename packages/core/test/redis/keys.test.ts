import { describe, expect, it } from 'vitest';
import { createKeys } from '../../src/redis/keys.js';

describe('createKeys', () => {
  const keys = createKeys('rb');

  it('puts every key of one board in one cluster slot with a hash tag', () => {
    const board = keys.board('demo');
    const day = board.day('2026-11-25');
    const keysOfBoard = [
      board.meta,
      board.members,
      board.scores,
      board.total,
      board.seq,
      day.scores,
      day.total,
      board.likes('c01'),
      board.vote('v1'),
    ];
    expect(new Set(keysOfBoard).size).toBe(keysOfBoard.length);
    for (const key of keysOfBoard) {
      expect(key).toMatch(/^rb:\{demo\}:/);
    }
  });

  it('gives different boards different keys', () => {
    expect(keys.board('a').scores).not.toBe(keys.board('b').scores);
  });

  it('round-trips a board id through its change channel', () => {
    const channel = keys.boardChanges('demo-1');
    expect(keys.boardIdFromChannel(channel)).toBe('demo-1');
    expect(channel.startsWith(keys.boardChangesPattern.slice(0, -1))).toBe(true);
  });

  it('ignores channels that are not board changes', () => {
    expect(keys.boardIdFromChannel('other:changes:demo')).toBeUndefined();
    expect(keys.boardIdFromChannel('rb:changes:')).toBeUndefined();
  });

  it('finds the board of a dead-letters key, and of no other key the SCAN pattern matches', () => {
    expect(keys.deadLettersPattern).toBe('rb:{*}:dead-letters');
    expect(keys.boardIdFromDeadLetters(keys.board('demo-1').deadLetters)).toBe('demo-1');
    // `*` spans `}:` too: a risk key whose subject ends like a dead-letters key is not one.
    expect(keys.boardIdFromDeadLetters('rb:{b1}:risk:alerted:x:{y}:dead-letters')).toBeUndefined();
    expect(keys.boardIdFromDeadLetters(createKeys('other').board('b1').deadLetters)).toBeUndefined();
    expect(keys.boardIdFromDeadLetters('rb:{}:dead-letters')).toBeUndefined();
  });

  it('tags the queue prefix so all queue keys share a slot', () => {
    expect(keys.queuePrefix).toBe('{rb}');
  });

  it('gives each WeChat app its own access token and refresh lock, under the prefix, in one slot', () => {
    const token = keys.wechatAccessToken('wx123');
    const lock = keys.wechatAccessTokenLock('wx123');
    expect(token).toMatch(/^rb:/);
    expect(lock).toMatch(/^rb:/);
    expect(token).not.toBe(lock);
    // One hash tag, so one MULTI may read both on a Redis Cluster.
    expect(token.match(/\{[^}]+\}/)?.[0]).toBe('{wx123}');
    expect(lock.match(/\{[^}]+\}/)?.[0]).toBe('{wx123}');
    // The last failed fetch is read in the same MULTI, and the last forced refresh beside them.
    for (const key of [keys.wechatAccessTokenFailure('wx123'), keys.wechatAccessTokenForced('wx123')]) {
      expect(key).toMatch(/^rb:/);
      expect(key.match(/\{[^}]+\}/)?.[0]).toBe('{wx123}');
      expect([token, lock]).not.toContain(key);
    }
    expect(keys.wechatAccessToken('wx456')).not.toBe(token);
    expect(createKeys('other').wechatAccessToken('wx123')).not.toBe(token);
  });

  it("keeps a refresh token's live and used keys in one slot, so using it is one RENAME", () => {
    const { live, used } = keys.refreshToken('h4sh');
    expect(live).not.toBe(used);
    for (const key of [live, used]) expect(key).toMatch(/^rb:auth:\{h4sh\}:/);
    expect(keys.refreshToken('other').live).not.toBe(live);
    expect(keys.refreshFamily('f1')).toMatch(/^rb:/);
    expect(keys.refreshFamily('f1')).not.toBe(keys.refreshFamily('f2'));
  });

  it("gives each share token's code image a key of its own, under the prefix", () => {
    expect(keys.shareCode('tok1')).toMatch(/^rb:/);
    expect(keys.shareCode('tok1')).not.toBe(keys.shareCode('tok2'));
    expect(createKeys('other').shareCode('tok1')).not.toBe(keys.shareCode('tok1'));
  });
});
