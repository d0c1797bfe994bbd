import { randomUUID } from 'node:crypto';
import { registrationOf as registrationFrom } from '@rallyboard/core/db';
import { dayOf } from '@rallyboard/core/protocol';
import { applyVotes, dayExpiresAt, fenceBoard, liftFence, registerBoard } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { seedBoard } from '../../../test/support/stack.js';
import {
  apply,
  config,
  countOf,
  deps,
  item,
  ledgerWrites,
  mongo,
  useVoteApplier,
  writtenBy,
} from '../support/apply-votes-fixture.js';
import { boardKeys, ledgerOf, loseBoardState } from '../support/deps.js';

useVoteApplier();

/** What Redis is told about a seeded board, from its MongoDB record (as a rebuild registers it). */
async function registrationOf(boardId: string) {
  const board = await deps.boards.findById(boardId).lean();
  if (!board) throw new Error(`no board ${boardId}`);
  return registrationFrom(board);
}

describe('createVoteApplier', () => {
  it('rejects the votes of a board MongoDB does not know, as BOARD_NOT_FOUND on the ledger', async () => {
    const boardId = randomId('nowhere');
    const acceptedAt = Date.now();
    const items = [item(boardId, 'alice', { acceptedAt }), item(boardId, 'bob', { acceptedAt })];
    expect(await apply(items)).toEqual([
      { verdict: 'rejected', reason: 'BOARD_NOT_FOUND', duplicate: false },
      { verdict: 'rejected', reason: 'BOARD_NOT_FOUND', duplicate: false },
    ]);
    const ledger = await ledgerOf(deps, boardId);
    expect(ledger.map((r) => [r._id, r.verdict, r.reason, r.day, r.seq, r.delta])).toEqual(
      items
        .map((i) => [
          i.vote.voteId,
          'rejected',
          'BOARD_NOT_FOUND',
          dayOf(acceptedAt, 'UTC'),
          undefined,
          undefined,
        ])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(await boardKeys(deps.redis, deps.keys, boardId)).toEqual([]);
  });

  it('answers retry (board-missing) for a board MongoDB has but Redis lost, records nothing, and counts the votes once it is restored', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    await loseBoardState(deps.redis, deps.keys, boardId);
    const items = [item(boardId, 'alice'), item(boardId, 'bob')];
    expect(await apply(items)).toEqual([
      { verdict: 'retry', why: 'board-missing' },
      { verdict: 'retry', why: 'board-missing' },
    ]);
    expect(ledgerWrites).not.toHaveBeenCalled();
    expect(await boardKeys(deps.redis, deps.keys, boardId)).toEqual([]);

    await registerBoard(deps.redis, deps.keys, await registrationOf(boardId));
    expect((await apply(items)).map((o) => o.verdict)).toEqual(['counted', 'counted']);
    expect((await ledgerOf(deps, boardId)).map((r) => r.verdict)).toEqual(['counted', 'counted']);
  });

  it('answers retry (board-missing) when Redis loses a board after the applier last read it', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    expect((await apply([item(boardId, 'alice')]))[0]?.verdict).toBe('counted');
    await loseBoardState(deps.redis, deps.keys, boardId);
    ledgerWrites.mockClear();
    expect(await apply([item(boardId, 'alice')])).toEqual([{ verdict: 'retry', why: 'board-missing' }]);
    expect(ledgerWrites).not.toHaveBeenCalled();
  });

  it('answers retry (fenced) for a board a rebuild holds, changing nothing, and applies once the fence lifts', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    await apply([item(boardId, 'alice')]);
    const token = randomUUID();
    await fenceBoard(deps.redis, deps.keys, await registrationOf(boardId), { token, ttlMs: 60_000 });
    const held = [item(boardId, 'alice'), item(boardId, 'alice')];
    expect(await apply(held)).toEqual([
      { verdict: 'retry', why: 'fenced' },
      { verdict: 'retry', why: 'fenced' },
    ]);
    expect(await countOf(boardId, 'alice')).toEqual({ count: 1, seq: 1 });
    expect(ledgerWrites).toHaveBeenCalledTimes(1);
    // Not even a marker: the same votes apply later.
    expect(await deps.redis.exists(deps.keys.board(boardId).vote(held[0]?.vote.voteId ?? ''))).toBe(0);

    await liftFence(deps.redis, deps.keys, boardId, token);
    expect((await apply(held)).map((o) => o.verdict === 'counted' && o.seq)).toEqual([2, 3]);
  });

  it('decides the other boards of a batch when one of them is fenced', async () => {
    const fenced = await seedBoard(config, deps.redis, mongo, ['alice']);
    const open = await seedBoard(config, deps.redis, mongo, ['alice']);
    await fenceBoard(deps.redis, deps.keys, await registrationOf(fenced), {
      token: randomUUID(),
      ttlMs: 60_000,
    });
    const outcomes = await apply([item(fenced, 'alice'), item(open, 'alice'), item(fenced, 'alice')]);
    expect(outcomes.map((o) => o.verdict)).toEqual(['retry', 'counted', 'retry']);
    // Only the open board's vote is written.
    expect(ledgerWrites).toHaveBeenCalledTimes(1);
    expect(writtenBy(0).map((r) => r.boardId)).toEqual([open]);
  });

  it('answers the first verdicts again, as duplicates, for votes applied before, counting nothing twice', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    const items = [item(boardId, 'alice'), item(boardId, 'bob'), item(boardId, 'mallory')];
    const first = await apply(items);
    const ledger = await ledgerOf(deps, boardId);
    const seq = await deps.redis.get(deps.keys.board(boardId).seq);

    const again = await apply(items);
    expect(again).toEqual(first.map((o) => ({ ...o, duplicate: true })));
    expect(await deps.redis.get(deps.keys.board(boardId).seq)).toBe(seq);
    expect(await countOf(boardId, 'alice')).toEqual({ count: 1, seq: 1 });
    expect(await ledgerOf(deps, boardId)).toEqual(ledger);
  });

  it('records the votes Redis applied before a crash kept them off the ledger, with their first verdicts', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice']);
    const items = [item(boardId, 'alice'), item(boardId, 'alice')];
    // A worker that died between its script call and its ledger write.
    const day = dayOf(Date.now(), 'Asia/Shanghai');
    await applyVotes(
      deps.redis,
      deps.keys,
      boardId,
      items.map(({ vote }) => ({ ...vote, day, dayExpiresAt: dayExpiresAt(vote.acceptedAt, 8) })),
      { dedupTtlSeconds: 3_600, origin: 'crashed' },
    );
    const outcomes = await apply(items);
    expect(outcomes).toEqual([
      { verdict: 'counted', seq: 1, delta: 1, duplicate: true },
      { verdict: 'counted', seq: 2, delta: 1, duplicate: true },
    ]);
    expect((await ledgerOf(deps, boardId)).map((r) => [r.verdict, r.seq, r.delta])).toEqual([
      ['counted', 1, 1],
      ['counted', 2, 1],
    ]);
    expect(await countOf(boardId, 'alice')).toEqual({ count: 2, seq: 2 });
  });

  it('fails only the vote whose record the ledger refuses: the votes written with it are on record', async () => {
    const boardId = await seedBoard(config, deps.redis, mongo, ['alice', 'bob']);
    const other = await seedBoard(config, deps.redis, mongo, ['alice']);
    // A context no schema allows, as only a bug past the job's validation could make.
    const refused = item(boardId, 'bob');
    refused.vote.context = { ip: '203.0.113.9', userAgent: 'x'.repeat(5_000) };
    const items = [item(boardId, 'alice'), refused, item(other, 'alice')];
    const outcomes = await apply(items);
    expect(outcomes[0]).toEqual({ verdict: 'counted', seq: 1, delta: 1, duplicate: false });
    expect(outcomes[2]).toEqual({ verdict: 'counted', seq: 1, delta: 1, duplicate: false });
    expect(String((outcomes[1] as { failed: unknown }).failed)).toContain(refused.vote.voteId);
    // One group commit: the others were written in it, the refused one was not.
    expect(ledgerWrites).toHaveBeenCalledTimes(1);
    expect((await ledgerOf(deps, boardId)).map((r) => r._id)).toEqual([items[0]?.vote.voteId]);
    expect((await ledgerOf(deps, other)).map((r) => r.verdict)).toEqual(['counted']);
  });
});
