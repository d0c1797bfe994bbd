import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { UPDATES_PER_COMMAND } from '../../src/db/bulk-updates.js';
import { connectMongo } from '../../src/db/connection.js';
import { type LedgerVote, ledgerModel } from '../../src/db/ledger.js';
import { type ReviewedVote, setReviewedVotesById, updateReviewedVotes } from '../../src/db/review-moves.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
const ledger = () => ledgerModel(mongo);
/** Update statements per command, as the driver's command monitoring sees them. */
const statements: number[] = [];

beforeAll(async () => {
  const uri = new URL(config.mongo.uri);
  uri.searchParams.set('monitorCommands', 'true');
  mongo = await connectMongo(uri.toString(), 'test');
  mongo.getClient().on('commandStarted', (event) => {
    if (event.commandName === 'update') statements.push((event.command.updates as unknown[]).length);
  });
  await ledger().init();
});
afterAll(() => mongo.close());

/** More votes than FerretDB v1 could take in one update command (it hung for good at 100). */
const VOTES = 250;
const at = new Date('2026-11-25T08:00:00.000Z');

function held(boardId: string, i: number): LedgerVote {
  return {
    _id: `v${String(i).padStart(4, '0')}.${boardId}`,
    boardId,
    candidateId: 'alice',
    action: 'vote',
    voterId: `p-${i}`,
    verdict: 'held',
    day: '2026-11-25',
    acceptedAt: at,
    decidedAt: at,
    review: { state: 'held', at, by: 'risk' },
  };
}

async function heldBoard(): Promise<{ boardId: string; votes: LedgerVote[] }> {
  const boardId = randomId('b');
  const votes = Array.from({ length: VOTES }, (_, i) => held(boardId, i));
  await ledger().collection.insertMany(votes as never[]);
  return { boardId, votes };
}

const voided = (by: string): Partial<LedgerVote> => ({ review: { state: 'voided', at, by } });

describe('review moves on the ledger', () => {
  it(`void ${VOTES} held votes from the state read, and keep a change made meanwhile`, async () => {
    const { boardId, votes } = await heldBoard();
    // A host approved one vote after the job read it: the job's change must not overwrite it.
    await ledger().collection.updateOne(
      { _id: votes[7]?._id as never },
      { $set: { verdict: 'counted', review: { state: 'approved', at, by: 'h-2' } } },
    );
    statements.length = 0;

    const changes: ReviewedVote[] = votes.map((from) => ({
      from,
      set: voided('h-1'),
    }));
    await updateReviewedVotes(ledger(), changes);

    expect(await ledger().countDocuments({ boardId, 'review.state': 'voided' })).toBe(VOTES - 1);
    expect((await ledger().findById(votes[7]?._id).lean())?.review?.state).toBe('approved');
    expect(statements.reduce((sum, n) => sum + n, 0)).toBe(VOTES);
    expect(Math.max(...statements)).toBeLessThanOrEqual(UPDATES_PER_COMMAND);
  }, 60_000);

  it(`hold-set ${VOTES} votes by id, each once, a few dozen statements a command`, async () => {
    const { boardId, votes } = await heldBoard();
    statements.length = 0;

    await setReviewedVotesById(
      ledger(),
      votes.map((from) => ({
        from,
        set: { review: { state: 'held', at, by: 'risk', cluster: 'device:d-1' } },
      })),
    );

    expect(await ledger().countDocuments({ boardId, 'review.cluster': 'device:d-1' })).toBe(VOTES);
    expect(statements.reduce((sum, n) => sum + n, 0)).toBe(VOTES);
    expect(Math.max(...statements)).toBeLessThanOrEqual(UPDATES_PER_COMMAND);
  }, 60_000);
});
