// The sweep's table: per label the mean and the worst case over the draws, then the targets.
import { isHonest, type Label } from '../scenario.js';
import { COST_ONLY, type CostPerCounted, type Spread } from './figures.js';
import type { SweepResult } from './sweep.js';

/** The bars, on the held-out worst case. */
const SWEEP_TARGETS = {
  worstAttackRecall: 0.9,
  overallRecall: 0.95,
  worstHonestFalsePositives: 0.005,
} as const;

const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '—');

export interface TargetCheck {
  name: string;
  value: number;
  target: number;
  pass: boolean;
}

/** The targets, checked against the worst cases (overall recall: its worst draw too). */
function checkTargets(result: SweepResult): TargetCheck[] {
  const s = result.summary;
  return [
    {
      name: `worst attack recall (${s.worstAttackRecall.label ?? '—'})`,
      value: s.worstAttackRecall.value,
      target: SWEEP_TARGETS.worstAttackRecall,
      pass: s.worstAttackRecall.value >= SWEEP_TARGETS.worstAttackRecall,
    },
    {
      name: 'overall recall, worst draw',
      value: s.overallRecall.worst,
      target: SWEEP_TARGETS.overallRecall,
      pass: s.overallRecall.worst >= SWEEP_TARGETS.overallRecall,
    },
    {
      name: `worst honest FP (${s.worstHonestFalsePositives.label ?? '—'})`,
      value: s.worstHonestFalsePositives.value,
      target: SWEEP_TARGETS.worstHonestFalsePositives,
      pass: s.worstHonestFalsePositives.value <= SWEEP_TARGETS.worstHonestFalsePositives,
    },
  ];
}

export function renderSweep(result: SweepResult): string {
  const s = result.summary;
  const lines = [
    `sweep ${result.preset}, split ${result.split}, ${s.draws} draws (seeds ${result.seeds[0]}…${result.seeds.at(-1)})`,
    '',
    'label                 planned/draw   recall or FP: mean   worst   (seed)',
  ];
  const planned = (label: Label) =>
    Math.round(
      result.draws.reduce((a, d) => a + (d.labels.find((r) => r.label === label)?.planned ?? 0), 0) /
        Math.max(1, result.draws.length),
    );
  const row = (label: Label, kind: string, sp: Spread, digits: number) =>
    `${label.padEnd(21)} ${String(planned(label)).padStart(12)}   ${kind} ${pct(sp.mean, digits).padStart(9)}  ${pct(sp.worst, digits).padStart(7)}   (${sp.worstSeed})`;
  for (const [label, sp] of Object.entries(s.falsePositives) as [Label, Spread][]) {
    if (isHonest(label)) lines.push(row(label, 'FP    ', sp, 2));
  }
  for (const [label, sp] of Object.entries(s.recall) as [Label, Spread][])
    lines.push(row(label, 'recall', sp, 1));
  lines.push(
    '',
    `overall recall      mean ${pct(s.overallRecall.mean)}  worst ${pct(s.overallRecall.worst)}`,
    `honest FP (all)     mean ${pct(s.honestFalsePositives.mean, 2)}  worst ${pct(s.honestFalsePositives.worst, 2)}`,
    `held per 1,000 honest votes: mean ${s.heldPer1000Honest.mean.toFixed(1)}  worst ${s.heldPer1000Honest.worst.toFixed(1)}`,
    '',
  );
  for (const label of COST_ONLY) {
    const costs = result.draws.flatMap((d) => d.costs[label] ?? []);
    if (costs.length === 0) continue;
    const mean = (pick: (c: CostPerCounted) => number) =>
      costs.map(pick).reduce((a, b) => a + b, 0) / costs.length;
    lines.push(
      `${label}: per vote counted it bought ${mean((c) => c.accounts).toFixed(2)} accounts, ${mean((c) => c.devices).toFixed(2)} phones, ${mean((c) => c.addresses).toFixed(2)} addresses (mean over draws; ${costs.reduce((a, c) => a + c.counted, 0)} votes counted in all; not in the recall targets)`,
      '',
    );
  }
  for (const t of checkTargets(result)) {
    const op = t.name.includes('FP') ? '≤' : '≥';
    lines.push(
      `${t.name.padEnd(40)} ${pct(t.value, 2).padStart(8)}  (target ${op} ${pct(t.target)})  ${t.pass ? 'PASS' : 'FAIL'}`,
    );
  }
  return lines.join('\n');
}
