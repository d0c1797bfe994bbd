import { describe, expect, it } from 'vitest';
import type { Label } from '../../../simulate/scenario.js';
import type { Fate, VoteFate } from '../../../simulate/sweep/fates.js';
import { drawFigures, summarize } from '../../../simulate/sweep/figures.js';

const fates = (label: Label, counts: Partial<Record<Fate, number>>, cluster = false): VoteFate[] =>
  Object.entries(counts).flatMap(([fate, n]) =>
    Array.from({ length: n }, (_, i) => ({
      label,
      account: `${label}-${i}`,
      candidateId: 'c01',
      fate: fate as Fate,
      rules: [],
      ...(cluster && fate === 'held' ? { heldWithCluster: 'ip:1.2.3.4@c01' } : {}),
    })),
  );

describe('the sweep figures', () => {
  it('count a vote refused or held against the honest, never one past its own quota, and recall as attack votes not counted', () => {
    const d = drawFigures(7, [
      ...fates('honest', { counted: 990, held: 4, refused: 2, quota: 4 }),
      ...fates('burst', { counted: 5, held: 45, rejected: 50 }, true),
    ]);
    expect(d.falsePositives.honest).toBeCloseTo(6 / 1_000, 6);
    expect(d.recall.burst).toBeCloseTo(95 / 100, 6);
    expect(d.overallRecall).toBeCloseTo(0.95, 6);
    expect(d.heldPer1000Honest).toBeCloseTo(49, 6);
    expect(d.votesPerCounted.burst).toBe(20);
    const burst = d.labels.find((r) => r.label === 'burst');
    expect(burst?.heldWithCluster).toBe(45);
  });

  it('report the worst draw per label, and the worst label over all', () => {
    const draws = [
      drawFigures(1, [
        ...fates('honest', { counted: 999, held: 1 }),
        ...fates('ip-farm', { counted: 20, held: 80 }),
      ]),
      drawFigures(2, [
        ...fates('honest', { counted: 990, held: 10 }),
        ...fates('ip-farm', { counted: 1, held: 99 }),
      ]),
    ];
    const s = summarize(draws);
    expect(s.recall['ip-farm']).toEqual({ mean: (0.8 + 0.99) / 2, worst: 0.8, worstSeed: 1 });
    expect(s.falsePositives.honest?.worst).toBeCloseTo(0.01, 6);
    expect(s.falsePositives.honest?.worstSeed).toBe(2);
    expect(s.worstAttackRecall).toEqual({ label: 'ip-farm', value: 0.8 });
    expect(s.worstHonestFalsePositives.label).toBe('honest');
  });
});
