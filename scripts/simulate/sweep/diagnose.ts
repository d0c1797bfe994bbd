// What a tuner reads next to the figures: per label, the rules that fired on the votes that
// went wrong (an honest vote stopped, an attack vote counted) and the clusters that took votes back.
import type { Label } from '../scenario.js';
import { isHonest } from '../scenario.js';
import type { VoteFate } from './fates.js';

export interface LabelDiagnosis {
  label: Label;
  /** Honest: stopped votes; attack: counted votes. */
  wrong: number;
  /** Rule combinations on those votes, most common first ('—': none fired). */
  combos: [string, number][];
  /** Cluster kinds that took counted votes of the label back. */
  clusterHolds: [string, number][];
  /** Refusals at the gates by code. */
  refused: [string, number][];
}

const top = (m: Map<string, number>, n: number): [string, number][] =>
  [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

export function diagnose(fates: readonly VoteFate[]): LabelDiagnosis[] {
  const by = new Map<
    Label,
    { wrong: number; combos: Map<string, number>; holds: Map<string, number>; refused: Map<string, number> }
  >();
  for (const f of fates) {
    const honest = isHonest(f.label);
    const wrong = honest
      ? f.fate === 'held' || f.fate === 'rejected' || f.fate === 'refused'
      : f.fate === 'counted';
    if (!wrong) continue;
    let d = by.get(f.label);
    if (!d) {
      d = { wrong: 0, combos: new Map(), holds: new Map(), refused: new Map() };
      by.set(f.label, d);
    }
    d.wrong += 1;
    if (f.fate === 'refused') bump(d.refused, f.code ?? '?');
    else if (f.heldWithCluster) bump(d.holds, f.heldWithCluster.split(':')[0] ?? '?');
    else bump(d.combos, f.rules.length ? f.rules.join('+') : '—');
  }
  return [...by.entries()].map(([label, d]) => ({
    label,
    wrong: d.wrong,
    combos: top(d.combos, 6),
    clusterHolds: top(d.holds, 4),
    refused: top(d.refused, 3),
  }));
}

export function renderDiagnosis(list: readonly LabelDiagnosis[]): string {
  return list
    .map((d) => {
      const parts = [
        ...d.combos.map(([k, n]) => `${n}× ${k}`),
        ...d.clusterHolds.map(([k, n]) => `${n}× held with ${k} cluster`),
        ...d.refused.map(([k, n]) => `${n}× refused ${k}`),
      ];
      return `${d.label} (${d.wrong} ${isHonest(d.label) ? 'stopped' : 'counted'}): ${parts.join('; ')}`;
    })
    .join('\n');
}
