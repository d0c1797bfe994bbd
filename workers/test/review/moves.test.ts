import type { LedgerVote } from '@rallyboard/core/db';
import type { ReviewJob } from '@rallyboard/core/queue';
import type { VoteVerdict } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { type MoveInput, planMove } from '../../src/review/moves.js';

const now = new Date('2026-01-01T01:00:00Z');
const approve: ReviewJob = {
  kind: 'approve',
  campaignId: 'board-1',
  select: { voteIds: ['v-1'] },
  by: 'h-1',
};
const voidByRule: ReviewJob = {
  kind: 'void-by-rule',
  campaignId: 'board-1',
  rule: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z' },
  by: 'h-1',
};
const hold: ReviewJob = {
  kind: 'hold-cluster',
  campaignId: 'board-1',
  cluster: 'device:d-1',
  since: 0,
  until: 1,
  by: 'risk',
};
const counted: VoteVerdict = { verdict: 'counted', delta: 1, seq: 9, duplicate: false };
const heldAt = new Date('2026-01-01T00:10:00Z');

const input = (job: ReviewJob, fields: Partial<LedgerVote>): MoveInput => ({
  job,
  record: {
    _id: 'v-1',
    boardId: 'board-1',
    candidateId: 'c01',
    action: 'vote',
    voterId: 'p-1',
    verdict: 'counted',
    day: '2026-01-01',
    acceptedAt: new Date('2026-01-01T00:00:00Z'),
    decidedAt: new Date('2026-01-01T00:00:00Z'),
    ...fields,
  },
  actionId: 'job-1',
  now,
  retentionDays: 8,
});

describe('the move of one vote', () => {
  it('approves a held vote by applying the vote itself', () => {
    const move = planMove(
      input(approve, { verdict: 'held', review: { state: 'held', at: heldAt, by: 'risk' } }),
    );
    expect(move?.apply).toMatchObject({ voteId: 'v-1', action: 'vote', mode: 'a' });
    const write = move?.apply ? move.write(counted) : undefined;
    expect(write?.inserts).toEqual([]);
    expect(write?.set).toMatchObject({
      verdict: 'counted',
      seq: 9,
      review: { state: 'approved', by: 'h-1' },
    });
  });

  it('approves a vote taken back when it was held with a re-count of its own id', () => {
    const review = { state: 'held' as const, at: heldAt, by: 'risk', retraction: 'v-1.x' };
    const move = planMove(input(approve, { delta: 1, seq: 3, review }));
    expect(move?.apply).toMatchObject({ voteId: 'v-1.a', mode: 'a' });
    const write = move?.apply ? move.write(counted) : undefined;
    expect(write?.inserts).toMatchObject([{ _id: 'v-1.a', restores: 'v-1', verdict: 'counted' }]);
    expect(write?.set.review).toMatchObject({ state: 'approved', credit: 'v-1.a', retraction: 'v-1.x' });
  });

  it("never moves a host's re-count itself, by rule or by a cluster's hold: only through the vote it restores", () => {
    const recount = { _id: 'v-1.a', restores: 'v-1', delta: 1 as const, seq: 4, acceptedAt: now };
    expect(planMove(input(voidByRule, recount))).toBeUndefined();
    expect(planMove(input(hold, recount))).toBeUndefined();
  });

  it("writes down an earlier action's decision the board answers with, never this one's over it", () => {
    const held = { verdict: 'held' as const, review: { state: 'held' as const, at: heldAt, by: 'risk' } };
    const voidIt: ReviewJob = { ...approve, kind: 'void' };
    // An approval applied the vote, then stopped before the ledger; a void comes next.
    const voided = planMove(input(voidIt, held));
    expect(voided?.apply).toMatchObject({ voteId: 'v-1', mode: 'v' });
    const afterApproval = voided?.apply ? voided.write({ ...counted, duplicate: true }) : undefined;
    expect(afterApproval?.set).toMatchObject({ verdict: 'counted', seq: 9, review: { state: 'approved' } });
    expect(afterApproval?.set.review?.note).toMatch(/earlier action/);
    // A void applied, then stopped; an approval comes next.
    const approved = planMove(input(approve, held));
    const afterVoid = approved?.apply
      ? approved.write({ verdict: 'rejected', reason: 'VOIDED', duplicate: true })
      : undefined;
    expect(afterVoid?.set).toMatchObject({
      verdict: 'rejected',
      reason: 'VOIDED',
      review: { state: 'voided' },
    });
    // Its own retry, as ever: the same decision.
    const again = voided?.apply
      ? voided.write({ verdict: 'rejected', reason: 'VOIDED', duplicate: true })
      : undefined;
    expect(again?.set.review).toMatchObject({ state: 'voided', by: 'h-1' });
    expect(again?.set.review?.note).toBeUndefined();
  });

  it('writes down an approval whose re-count the board counts already, when a void of the taken-back vote comes next', () => {
    const review = { state: 'held' as const, at: heldAt, by: 'risk', retraction: 'v-1.x' };
    const voidIt: ReviewJob = { ...approve, kind: 'void' };
    const move = planMove({ ...input(voidIt, { delta: 1, seq: 3, review }), creditApplied: true });
    expect(move?.apply).toMatchObject({ voteId: 'v-1.a', mode: 'a' });
    const write = move?.apply ? move.write({ ...counted, duplicate: true }) : undefined;
    expect(write?.inserts).toMatchObject([{ _id: 'v-1.a', restores: 'v-1', verdict: 'counted' }]);
    expect(write?.set.review).toMatchObject({ state: 'approved', credit: 'v-1.a' });
    // Without a re-count on the board, the void is the ledger's alone, as before.
    const plain = planMove(input(voidIt, { delta: 1, seq: 3, review }));
    expect(plain?.apply).toBeUndefined();
  });

  it('voids a counted vote by rule with a retraction of the id that counts it', () => {
    const review = { state: 'approved' as const, at: heldAt, by: 'h-1', credit: 'v-1.a' };
    const move = planMove(input(voidByRule, { delta: 1, seq: 3, review }));
    expect(move?.apply).toMatchObject({ voteId: 'v-1.a.x', action: 'retract', mode: 'n' });
  });

  it('voids a vote already taken back on the ledger only, and leaves a voided one as it is', () => {
    const review = { state: 'held' as const, at: heldAt, by: 'risk', retraction: 'v-1.x' };
    const move = planMove(input(voidByRule, { delta: 1, seq: 3, review }));
    expect(move?.apply).toBeUndefined();
    expect(move && !move.apply ? move.write().set.review?.state : undefined).toBe('voided');
    expect(
      planMove(input(voidByRule, { delta: 1, seq: 3, review: { ...review, state: 'voided' } })),
    ).toBeUndefined();
  });

  it("holds a cluster's counted vote with a retraction, by risk, once, saying why", () => {
    const why = 'held with device d-1, by its own evidence: sent from a device shared by 2 accounts';
    const move = planMove({ ...input(hold, { delta: 1, seq: 3 }), why });
    expect(move?.apply).toMatchObject({ voteId: 'v-1.x', action: 'retract' });
    const write = move?.apply ? move.write(counted) : undefined;
    expect(write?.set.review).toMatchObject({
      state: 'held',
      by: 'risk',
      cluster: 'device:d-1',
      retraction: 'v-1.x',
      note: why,
    });
    expect(
      planMove(input(hold, { delta: 1, seq: 3, review: { state: 'held', at: heldAt, by: 'risk' } })),
    ).toBeUndefined();
  });

  it('approves a hold whose retraction took nothing back (a like withdrawn since) on the ledger only', () => {
    const move = planMove(input(hold, { action: 'like', delta: 1, seq: 3 }));
    const write = move?.apply ? move.write({ verdict: 'unchanged', duplicate: false }) : undefined;
    expect(write?.set.review).toMatchObject({ state: 'held', retraction: 'v-1.x', nothingTaken: true });
    const approved = planMove(
      input(approve, { action: 'like', delta: 1, seq: 3, review: write?.set.review }),
    );
    expect(approved?.apply).toBeUndefined();
    expect(approved && !approved.apply ? approved.write().set.review?.state : undefined).toBe('approved');
  });
});
