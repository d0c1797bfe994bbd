// The sweep's figures: per draw and label what became of the planned votes, then per label the
// mean and the worst case over the draws. Pure arithmetic over replay fates.
import type { AttackCost } from '../plan.js';
import { type Attack, isHonest, LABELS, type Label } from '../scenario.js';
import type { VoteFate } from './fates.js';

export interface LabelFigures {
  label: Label;
  planned: number;
  counted: number;
  /** Held by its own verdict, or taken back with a cluster. */
  held: number;
  /** Of the held, those taken back with a cluster after being counted. */
  heldWithCluster: number;
  rejected: number;
  /** Refused at the gates (429, or a sign-in refused), not for the voter's own quota. */
  refused: number;
  /** Past the voter's own daily quota: neither counted nor a false positive. */
  quota: number;
}

/**
 * Attacks measured by what they cost, not by recall: the adaptive attacker knows the defaults
 * and stays under each threshold, so its recall is near 0 by design; what counts is how much it
 * must buy for each vote that counts. It is left out of overall recall and the worst attack.
 */
export const COST_ONLY: readonly Label[] = ['adaptive'];

/** What an attack bought for each of its votes that counted. */
export interface CostPerCounted {
  counted: number;
  accounts: number;
  devices: number;
  addresses: number;
}

export interface DrawFigures {
  seed: number;
  labels: LabelFigures[];
  /** Attack label → share of its planned votes not counted. */
  recall: Partial<Record<Label, number>>;
  /** Honest label → share of its planned votes held, rejected or refused. */
  falsePositives: Partial<Record<Label, number>>;
  overallRecall: number;
  honestFalsePositives: number;
  /** Votes held (honest and attack) per 1,000 honest votes planned: what hosts review. */
  heldPer1000Honest: number;
  /** Attack label → votes it cast per vote of it that counted (Infinity: none counted). */
  votesPerCounted: Partial<Record<Label, number>>;
  /** Attack label → accounts, phones and addresses it bought per vote of it that counted. */
  costs: Partial<Record<Label, CostPerCounted>>;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

function labelFigures(fates: readonly VoteFate[]): LabelFigures[] {
  const rows = new Map<Label, LabelFigures>();
  for (const f of fates) {
    let row = rows.get(f.label);
    if (!row) {
      row = {
        label: f.label,
        planned: 0,
        counted: 0,
        held: 0,
        heldWithCluster: 0,
        rejected: 0,
        refused: 0,
        quota: 0,
      };
      rows.set(f.label, row);
    }
    row.planned += 1;
    if (f.fate === 'counted') row.counted += 1;
    else if (f.fate === 'held') {
      row.held += 1;
      if (f.heldWithCluster) row.heldWithCluster += 1;
    } else if (f.fate === 'rejected') row.rejected += 1;
    else if (f.fate === 'refused') row.refused += 1;
    else row.quota += 1;
  }
  return LABELS.flatMap((l) => rows.get(l) ?? []);
}

export function drawFigures(
  seed: number,
  fates: readonly VoteFate[],
  bought: Partial<Record<Attack, AttackCost>> = {},
): DrawFigures {
  const labels = labelFigures(fates);
  const honest = labels.filter((r) => isHonest(r.label));
  const allAttacks = labels.filter((r) => !isHonest(r.label));
  const attacks = allAttacks.filter((r) => !COST_ONLY.includes(r.label));
  const per = (x: number, counted: number) => (counted === 0 ? Number.POSITIVE_INFINITY : x / counted);
  const sum = (rows: LabelFigures[], pick: (r: LabelFigures) => number) =>
    rows.reduce((a, r) => a + pick(r), 0);
  const stopped = (r: LabelFigures) => r.planned - r.counted;
  const wrong = (r: LabelFigures) => r.held + r.rejected + r.refused;
  const honestPlanned = sum(honest, (r) => r.planned);
  return {
    seed,
    labels,
    recall: Object.fromEntries(allAttacks.map((r) => [r.label, ratio(stopped(r), r.planned)])),
    falsePositives: Object.fromEntries(honest.map((r) => [r.label, ratio(wrong(r), r.planned)])),
    overallRecall: ratio(
      sum(attacks, stopped),
      sum(attacks, (r) => r.planned),
    ),
    honestFalsePositives: ratio(sum(honest, wrong), honestPlanned),
    heldPer1000Honest: ratio(1_000 * sum(labels, (r) => r.held), honestPlanned),
    votesPerCounted: Object.fromEntries(allAttacks.map((r) => [r.label, per(r.planned, r.counted)])),
    costs: Object.fromEntries(
      allAttacks.flatMap((r) => {
        const b = bought[r.label as Attack];
        return b
          ? [
              [
                r.label,
                {
                  counted: r.counted,
                  accounts: per(b.accounts, r.counted),
                  devices: per(b.devices, r.counted),
                  addresses: per(b.addresses, r.counted),
                },
              ],
            ]
          : [];
      }),
    ),
  };
}

export interface Spread {
  mean: number;
  /** The worst draw's value: the lowest recall, the highest false-positive rate. */
  worst: number;
  worstSeed: number;
}

function spread(
  draws: readonly DrawFigures[],
  value: (d: DrawFigures) => number | undefined,
  worstIsLow: boolean,
): Spread {
  const values = draws.flatMap((d) => {
    const v = value(d);
    return v === undefined ? [] : [{ v, seed: d.seed }];
  });
  if (values.length === 0) return { mean: Number.NaN, worst: Number.NaN, worstSeed: -1 };
  const worst = values.reduce((w, x) => ((worstIsLow ? x.v < w.v : x.v > w.v) ? x : w));
  return { mean: values.reduce((a, x) => a + x.v, 0) / values.length, worst: worst.v, worstSeed: worst.seed };
}

export interface SweepSummary {
  draws: number;
  recall: Partial<Record<Label, Spread>>;
  falsePositives: Partial<Record<Label, Spread>>;
  overallRecall: Spread;
  honestFalsePositives: Spread;
  heldPer1000Honest: Spread;
  /** The worst over labels of the per-label worst cases: what the targets are checked against. */
  worstAttackRecall: { label: Label | null; value: number };
  worstHonestFalsePositives: { label: Label | null; value: number };
}

export function summarize(draws: readonly DrawFigures[]): SweepSummary {
  const seen = LABELS.filter((l) => draws.some((d) => d.labels.some((r) => r.label === l)));
  const recall = Object.fromEntries(
    seen.filter((l) => !isHonest(l)).map((l) => [l, spread(draws, (d) => d.recall[l], true)]),
  ) as Partial<Record<Label, Spread>>;
  const falsePositives = Object.fromEntries(
    seen.filter((l) => isHonest(l)).map((l) => [l, spread(draws, (d) => d.falsePositives[l], false)]),
  ) as Partial<Record<Label, Spread>>;
  const extreme = (record: Partial<Record<Label, Spread>>, low: boolean) => {
    let best: { label: Label | null; value: number } = { label: null, value: low ? 2 : -1 };
    for (const [label, s] of Object.entries(record) as [Label, Spread][]) {
      if (COST_ONLY.includes(label)) continue;
      if (low ? s.worst < best.value : s.worst > best.value) best = { label, value: s.worst };
    }
    return best;
  };
  return {
    draws: draws.length,
    recall,
    falsePositives,
    overallRecall: spread(draws, (d) => d.overallRecall, true),
    honestFalsePositives: spread(draws, (d) => d.honestFalsePositives, false),
    heldPer1000Honest: spread(draws, (d) => d.heldPer1000Honest, false),
    worstAttackRecall: extreme(recall, true),
    worstHonestFalsePositives: extreme(falsePositives, false),
  };
}
