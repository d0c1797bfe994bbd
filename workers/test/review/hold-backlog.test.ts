import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { createRiskFollowUp } from '../../src/risk/follow-up.js';
import {
  allHeld,
  apply,
  countOf,
  deps,
  judged,
  liveCampaign,
  recordOf,
  stoppedFor,
  useClusterHoldStack,
} from './cluster-hold-fixture.js';

useClusterHoldStack();

/** How long after acceptance the backlog's votes are decided: past every ten-minute cluster's window. */
const LAG_MS = 20 * 60_000;

/**
 * A wave of brand-new accounts tapping within a second, each on its own phone and /24 (so only the
 * candidate's wave names them), accepted `LAG_MS` ago and 2 s apart: the queue's backlog after
 * the workers were down, decided only now.
 */
function lateWave(boardId: string, n: number, lagMs = LAG_MS, name = 'late') {
  const acceptedFrom = Date.now() - lagMs;
  return Array.from({ length: n }, (_, i) =>
    judged(boardId, 'alice', `p-${name}-${i}`, acceptedFrom + i * 2_000, {
      ip: `203.0.${100 + i}.7`,
      deviceId: `dev-${name}-${i}`,
      dwellMs: 600 + i * 20,
    }),
  );
}

describe('a cluster revealed in a backlog (votes decided long after they were accepted)', () => {
  it("takes back the wave's members counted before it showed, as it would have live", async () => {
    const boardId = await liveCampaign();
    const wave = lateWave(boardId, 16);
    const verdicts: string[] = [];
    for (const vote of wave) verdicts.push(...(await apply([vote])).map((o) => o.verdict));
    const counted = wave.filter((_, i) => verdicts[i] === 'counted');
    // The wave shows only once enough of it has come: its first were counted.
    expect(counted.length).toBeGreaterThan(0);
    expect(verdicts).toContain('held');

    await eventually(() => allHeld(counted, 'wave:alice'), 30_000, "the wave's counted votes held");
    expect(await countOf(boardId, 'alice')).toBe(0);
    const first = await recordOf(counted[0]?.vote.voteId ?? '');
    expect(first?.review?.note).toMatch(/^held with .*by its own evidence/);
  }, 120_000);

  it('holds each window of it: a second wave a quarter of an hour later, decided within the same seconds', async () => {
    const boardId = await liveCampaign();
    const waves = [lateWave(boardId, 16, 2 * LAG_MS, 'early'), lateWave(boardId, 16, LAG_MS, 'later')];
    const counted: (typeof waves)[0] = [];
    for (const wave of waves) {
      for (const vote of wave) {
        const [outcome] = await apply([vote]);
        if (outcome?.verdict === 'counted') counted.push(vote);
      }
    }
    // Each wave's first were counted before it showed.
    expect(counted.some((v) => v.vote.voterId?.startsWith('p-later-'))).toBe(true);
    await eventually(() => allHeld(counted, 'wave:alice'), 30_000, "both waves' counted votes held");
    expect(await countOf(boardId, 'alice')).toBe(0);
  }, 120_000);

  it('never holds a replayed old vote for its cluster being known today', async () => {
    const boardId = await liveCampaign();
    const threeDaysAgo = Date.now() - 3 * 86_400_000;
    const onThePhone = (i: number, at: number) =>
      judged(boardId, 'alice', `p-old-${i}`, at, {
        ip: `198.51.100.${i + 71}`,
        deviceId: 'dev-old',
        dwellMs: 4_000,
      });
    // Two accounts of a family phone, three days ago: counted.
    for (const i of [0, 1])
      expect(await apply([onThePhone(i, threeDaysAgo + i * 60_000)])).toMatchObject([{ verdict: 'counted' }]);
    // Today a vote of the phone is stopped: its cluster is known for the day.
    await createRiskFollowUp(deps)([stoppedFor(boardId, 'device:dev-old', Date.now())]);
    // A third account's vote of three days ago, replayed only now: counted by its own rules then
    // (three accounts on the phone), and no cluster of then to be held with.
    expect(await apply([onThePhone(2, threeDaysAgo + 120_000)])).toMatchObject([{ verdict: 'counted' }]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await countOf(boardId, 'alice')).toBe(3);
  }, 60_000);

  it('keeps its members for its holds when a live vote of the cluster is recorded among them', async () => {
    const boardId = await liveCampaign();
    const wave = lateWave(boardId, 16);
    const verdicts: string[] = [];
    const applyOne = async (vote: (typeof wave)[number]) =>
      verdicts.push(...(await apply([vote])).map((o) => o.verdict));
    for (const vote of wave.slice(0, 6)) await applyOne(vote);
    // A fast new account voting now, recorded before the rest of the backlog (its job retried):
    // a member of the same wave, twenty minutes younger.
    const live = judged(boardId, 'alice', 'p-live', Date.now(), {
      ip: '192.0.2.200',
      deviceId: 'dev-live',
      dwellMs: 500,
    });
    await apply([live]);
    for (const vote of wave.slice(6)) await applyOne(vote);
    const counted = wave.filter((_, i) => verdicts[i] === 'counted');
    expect(counted.length).toBeGreaterThanOrEqual(6);
    expect(verdicts).toContain('held');
    await eventually(() => allHeld(counted, 'wave:alice'), 30_000, "the backlog wave's counted votes held");
  }, 120_000);

  it('holds the members counted after it showed, while it is known, as live', async () => {
    const boardId = await liveCampaign();
    for (const vote of lateWave(boardId, 16)) await apply([vote]);
    // Its holds have run (the second 2 s after the first) when the backlog reaches three minutes
    // on: three more fast new accounts, too few for a wave of their own, counted, and members of
    // the wave known since.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const tail = lateWave(boardId, 3, LAG_MS - 3 * 60_000, 'tail');
    for (const vote of tail) expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);
    await eventually(() => allHeld(tail, 'wave:alice'), 30_000, 'the tail held');
  }, 120_000);

  it('keeps its members for its holds while its own later votes are recorded, however deep it is', async () => {
    const boardId = await liveCampaign();
    // Two hours of a quiet board's backlog, decided within a second: a wave two hours ago, and
    // fast new accounts an hour later recorded among its votes (jobs of several workers).
    const wave = lateWave(boardId, 16, 2 * 3_600_000);
    const later = lateWave(boardId, 3, 3_600_000, 'later');
    const verdicts: string[] = [];
    const applyOne = async (vote: (typeof wave)[number]) =>
      verdicts.push(...(await apply([vote])).map((o) => o.verdict));
    for (const vote of wave.slice(0, 6)) await applyOne(vote);
    for (const vote of later) await apply([vote]);
    for (const vote of wave.slice(6)) await applyOne(vote);
    const counted = wave.filter((_, i) => verdicts[i] === 'counted');
    expect(counted.length).toBeGreaterThanOrEqual(6);
    expect(verdicts).toContain('held');
    await eventually(
      () => allHeld(counted, 'wave:alice'),
      30_000,
      "the two-hour-old wave's counted votes held",
    );
  }, 120_000);
});
