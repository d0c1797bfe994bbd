import { voteIdSchema } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { createVoteIds } from '../../src/ingest/vote-ids.js';

const ids = createVoteIds({ jwtSecret: 'a-test-secret-of-at-least-32-characters' });

describe('vote ids', () => {
  it('give the same id for the same idempotency key, board and participant, and a new one otherwise', () => {
    const id = ids.issue('b1', 'p1', 'key-0001');
    expect(ids.issue('b1', 'p1', 'key-0001')).toBe(id);
    expect(ids.issue('b1', 'p1', 'key-0002')).not.toBe(id);
    expect(ids.issue('b2', 'p1', 'key-0001')).not.toBe(id);
    expect(ids.issue('b1', 'p2', 'key-0001')).not.toBe(id);
    expect(ids.issue('b1', 'p1')).not.toBe(ids.issue('b1', 'p1'));
  });

  it('are valid vote ids', () => {
    for (const id of [ids.issue('b1', 'p1'), ids.issue('b1', 'p1', 'key:with.odd_chars-1')]) {
      expect(voteIdSchema.parse(id)).toBe(id);
    }
  });

  it('belong to the board and participant they were issued for, and nobody else', () => {
    const id = ids.issue('b1', 'p1');
    expect(ids.owns(id, 'b1', 'p1')).toBe(true);
    expect(ids.owns(id, 'b1', 'p2')).toBe(false);
    expect(ids.owns(id, 'b2', 'p1')).toBe(false);
    expect(ids.owns(`${id.split('.')[0]}x.${id.split('.')[1]}`, 'b1', 'p1')).toBe(false);
    expect(ids.owns(id.split('.')[0] ?? '', 'b1', 'p1')).toBe(false);
    // Another spelling of the same mac bytes is another id: a trailing character base64url
    // decoding would drop, or the mac cut short.
    for (const tail of ['A', 'AA', 'Q', '=']) expect(ids.owns(`${id}${tail}`, 'b1', 'p1')).toBe(false);
    expect(ids.owns(id.slice(0, -1), 'b1', 'p1')).toBe(false);
    expect(
      createVoteIds({ jwtSecret: 'another-secret-of-at-least-32-characters' }).owns(id, 'b1', 'p1'),
    ).toBe(false);
  });
});
