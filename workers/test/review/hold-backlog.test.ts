import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import {
  allHeld,
  apply,
  countOf,
  judged,
  liveCampaign,
  recordOf,
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
});
