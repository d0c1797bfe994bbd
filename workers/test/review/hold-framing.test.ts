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

describe('a cluster hold, aimed at bystanders', () => {
  it("holds a farm's fast new accounts on a campus address, and never the rival's supporter who voted there before", async () => {
    const boardId = await liveCampaign(['rival', 'other']);
    const campus = '192.0.2.50';
    const now = Date.now();
    // A supporter of the rival: an account here for twenty minutes, voting from the campus with a human tap.
    await apply([
      judged(boardId, 'other', 'p-supporter', now - 20 * 60_000, {
        ip: '203.0.113.5',
        deviceId: 'dev-s',
        dwellMs: 7_000,
      }),
    ]);
    const support = judged(boardId, 'rival', 'p-supporter', now - 60_000, {
      ip: campus,
      deviceId: 'dev-s',
      dwellMs: 6_500,
    });
    expect(await apply([support])).toMatchObject([{ verdict: 'counted' }]);

    // The framer: new accounts, a phone each, tapping fast for the rival from the same address, 2 s apart.
    const farm = Array.from({ length: 12 }, (_, i) =>
      judged(boardId, 'rival', `p-framer-${i}`, now - 50_000 + i * 2_000, {
        ip: campus,
        deviceId: `dev-framer-${i}`,
        dwellMs: 200 + i * 60,
      }),
    );
    const verdicts: string[] = [];
    for (const vote of farm) verdicts.push(...(await apply([vote])).map((o) => o.verdict));
    const counted = farm.filter((_, i) => verdicts[i] === 'counted');
    // The address's cluster shows once enough of its new accounts have evidence: the first were counted.
    expect(counted.length).toBeGreaterThan(0);
    expect(verdicts).toContain('held');

    await eventually(() => allHeld(counted), 30_000, "the farm's counted votes held");
    // Holds run right after each batch: by now every one the farm's votes queued has run.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const supporter = await recordOf(support.vote.voteId);
    expect(supporter).toMatchObject({ verdict: 'counted', delta: 1 });
    expect(supporter?.review).toBeUndefined();

    // Each held framer says which cluster and which of its own signals made it one.
    const framer = await recordOf(counted[0]?.vote.voteId ?? '');
    expect(framer?.review?.cluster).toMatch(
      /^(ip:192\.0\.2\.50|subnet:192\.0\.2\.0\/24)@rival$|^wave:rival$/,
    );
    expect(framer?.review?.note).toMatch(/by its own evidence: the account's first vote here/);
    expect(await countOf(boardId, 'rival')).toBe(1);
  }, 120_000);

  it("never reaches back to the rival's supporters who were new on the block before the framer came", async () => {
    const boardId = await liveCampaign(['rival', 'other']);
    const now = Date.now();
    // Newcomers on the campus's /24 (the account's first vote here, a human tap), minutes before.
    const newcomers = Array.from({ length: 4 }, (_, i) =>
      judged(boardId, 'rival', `p-new-${i}`, now - 5 * 60_000 + i * 20_000, {
        ip: `192.0.2.${60 + i}`,
        deviceId: `dev-new-${i}`,
        dwellMs: 5_000 + i * 700,
      }),
    );
    for (const vote of newcomers) expect(await apply([vote])).toMatchObject([{ verdict: 'counted' }]);

    // The framer's fast new accounts on the same block, an address each (so no address's rule
    // fires): enough to fire the block's rule and hold its cluster.
    const farm = Array.from({ length: 12 }, (_, i) =>
      judged(boardId, 'rival', `p-framer-${i}`, now - 50_000 + i * 2_000, {
        ip: `192.0.2.${100 + i}`,
        deviceId: `dev-framer-${i}`,
        dwellMs: 200 + i * 25,
      }),
    );
    for (const vote of farm) await apply([vote]);
    const stopped = await Promise.all(farm.map((v) => recordOf(v.vote.voteId)));
    expect(stopped.flatMap((r) => r?.risk?.clusters ?? [])).toContain('subnet:192.0.2.0/24@rival');
    expect(stopped.flatMap((r) => r?.risk?.clusters ?? []).filter((c) => c.startsWith('ip:'))).toEqual([]);

    const block = 'subnet:192.0.2.0/24@rival';
    await eventually(
      async () => (await recordOf(farm[0]?.vote.voteId ?? ''))?.review?.cluster === block,
      30_000,
      "the farm's first counted vote held with the block's cluster",
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const vote of newcomers) {
      const record = await recordOf(vote.vote.voteId);
      expect(record).toMatchObject({ verdict: 'counted', delta: 1 });
      expect(record?.review).toBeUndefined();
    }
  }, 120_000);
});
