// The figures: per label and overall, recall (attack votes not counted), the honest false
// positive rate, and the review load. Pure arithmetic on outcomes, plus the table printed.
import { type Hold, type HoldLatency, holdLatency } from './hold-latency.js';
import type { Outcome, VoteOutcome } from './outcomes.js';
import { ATTACKS, type Attack, isHonest, LABELS, type Label } from './scenario.js';

/** The targets from the issue. */
const TARGETS = { minRecall: 0.95, maxFalsePositiveRate: 0.005, maxHoldP95Ms: 5_000 } as const;

/** Reasons a risk rule gives (the lead's rules: RISK_REJECTED, and any RISK_* they add). */
const isRiskReason = (reason: string): boolean => reason.startsWith('RISK_');

/** Refusals that are the voter's own doing, never a false positive: a spent quota. */
const isOwnQuota = (code: string): boolean => code === 'QUOTA_EXCEEDED';

export interface Row {
  label: Label | 'attacks';
  planned: number;
  /** Answered 202 by ingest. */
  accepted: number;
  counted: number;
  held: number;
  rejectedRisk: number;
  rejectedOther: number;
  /** Refused at ingest or login (any status). */
  refused: number;
  /** Of those, 429s. */
  rateLimited: number;
  lost: number;
  notCounted: number;
  /**
   * Votes that count against the honest: held, rejected by risk, or rejected or refused for
   * anything but the voter's own quota.
   */
  falsePositives: number;
  /** Reasons and codes of the votes not counted, with counts. */
  reasons: Record<string, number>;
  /** Risk rules that fired on the votes held or rejected, with counts (a vote counts per rule). */
  rules: Record<string, number>;
  /** The cluster holds that took back votes of this label, and how late they were. */
  holdLatency: HoldLatency;
}

function emptyRow(label: Row['label']): Row {
  return {
    label,
    planned: 0,
    accepted: 0,
    counted: 0,
    held: 0,
    rejectedRisk: 0,
    rejectedOther: 0,
    refused: 0,
    rateLimited: 0,
    lost: 0,
    notCounted: 0,
    falsePositives: 0,
    reasons: {},
    rules: {},
    holdLatency: holdLatency([]),
  };
}

function reasonOf(o: Outcome): string | undefined {
  switch (o.kind) {
    case 'counted':
      return undefined;
    case 'held':
      return 'held';
    case 'rejected':
      return o.reason;
    case 'refused':
      return `${o.stage === 'login' ? 'login ' : ''}${o.status} ${o.code}`;
    case 'lost':
      return 'lost';
  }
}

function add(row: Row, o: Outcome): void {
  row.planned++;
  if (o.kind === 'counted' || o.kind === 'held' || o.kind === 'rejected' || o.kind === 'lost') row.accepted++;
  switch (o.kind) {
    case 'counted':
      row.counted++;
      break;
    case 'held':
      row.held++;
      row.falsePositives++;
      break;
    case 'rejected':
      if (isRiskReason(o.reason)) row.rejectedRisk++;
      else row.rejectedOther++;
      if (!isOwnQuota(o.reason)) row.falsePositives++;
      break;
    case 'refused':
      row.refused++;
      if (o.status === 429) row.rateLimited++;
      if (!isOwnQuota(o.code)) row.falsePositives++;
      break;
    case 'lost':
      row.lost++;
      break;
  }
  if ((o.kind === 'held' || o.kind === 'rejected') && o.rules) {
    for (const rule of o.rules) row.rules[rule] = (row.rules[rule] ?? 0) + 1;
  }
  const reason = reasonOf(o);
  if (reason !== undefined) {
    row.notCounted++;
    row.reasons[reason] = (row.reasons[reason] ?? 0) + 1;
  }
}

export interface Figures {
  rows: Row[];
  /** Per attack and overall: attack votes not counted / attack votes planned. */
  recall: Partial<Record<Attack, number>> & { overall: number };
  /** Honest votes held, rejected or refused (not for their own quota) / honest votes planned. */
  falsePositiveRate: number;
  /** Held votes, honest and attack: what hosts would have to review. */
  reviewLoad: number;
  lost: number;
  /** How late cluster holds took the cluster's counted votes back (hold-latency.ts), over every hold. */
  holdLatency: HoldLatency;
  /** Each hold: its cluster, how many votes it took back, of which labels, and how late. */
  holds: { cluster: string; votes: number; labels: Label[]; latencyMs: number }[];
  targets: {
    recall: { target: number; value: number; pass: boolean };
    falsePositiveRate: { target: number; value: number; pass: boolean };
    holdP95Ms: { target: number; value: number; pass: boolean };
  };
}

const ratio = (a: number, b: number) => (b === 0 ? Number.NaN : a / b);

/** The figures of a set of outcomes and the run's holds. Labels with no planned votes get no row. */
export function computeFigures(outcomes: readonly VoteOutcome[], holds: readonly Hold[] = []): Figures {
  const rows = new Map<Label, Row>();
  const attacks = emptyRow('attacks');
  for (const { label, outcome } of outcomes) {
    let row = rows.get(label);
    if (!row) {
      row = emptyRow(label);
      rows.set(label, row);
    }
    add(row, outcome);
    if (!isHonest(label)) add(attacks, outcome);
  }
  const ordered = LABELS.flatMap((l) => rows.get(l) ?? []);
  // Every honest population's votes count against us alike: a crowd's or a campus's too.
  const honestRows = ordered.filter((r) => r.label !== 'attacks' && isHonest(r.label as Label));
  const honest = {
    falsePositives: honestRows.reduce((n, r) => n + r.falsePositives, 0),
    planned: honestRows.reduce((n, r) => n + r.planned, 0),
  };
  const recall: Figures['recall'] = { overall: ratio(attacks.notCounted, attacks.planned) };
  for (const attack of ATTACKS) {
    const row = rows.get(attack);
    if (row) recall[attack] = ratio(row.notCounted, row.planned);
  }
  const falsePositiveRate = ratio(honest.falsePositives, honest.planned);
  for (const row of [...ordered, attacks]) {
    row.holdLatency = holdLatency(
      holds.filter((h) => h.labels.some((l) => l === row.label || (row.label === 'attacks' && !isHonest(l)))),
    );
  }
  const latency = holdLatency(holds);
  const all = [...ordered];
  return {
    rows: attacks.planned > 0 ? [...ordered, attacks] : ordered,
    recall,
    falsePositiveRate,
    reviewLoad: all.reduce((n, r) => n + r.held, 0),
    lost: all.reduce((n, r) => n + r.lost, 0),
    holdLatency: latency,
    holds: holds.map((h) => ({
      cluster: h.cluster,
      votes: h.voteIds.length,
      labels: h.labels,
      latencyMs: h.latencyMs,
    })),
    targets: {
      recall: { target: TARGETS.minRecall, value: recall.overall, pass: recall.overall >= TARGETS.minRecall },
      falsePositiveRate: {
        target: TARGETS.maxFalsePositiveRate,
        value: falsePositiveRate,
        pass: falsePositiveRate <= TARGETS.maxFalsePositiveRate,
      },
      holdP95Ms: {
        target: TARGETS.maxHoldP95Ms,
        value: latency.p95Ms,
        pass: latency.p95Ms <= TARGETS.maxHoldP95Ms,
      },
    },
  };
}

const pct = (x: number) => (Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The per-label table, as printed. */
export function renderTable(figures: Figures): string {
  const head = [
    'label',
    'planned',
    'accepted',
    'counted',
    'held',
    'rej risk',
    'rej other',
    'refused',
    '(429)',
    'lost',
    'hold p95',
    'figure',
  ];
  const lines = figures.rows.map((r) => [
    r.label,
    ...[
      r.planned,
      r.accepted,
      r.counted,
      r.held,
      r.rejectedRisk,
      r.rejectedOther,
      r.refused,
      r.rateLimited,
      r.lost,
    ].map(String),
    r.holdLatency.holds > 0 ? secs(r.holdLatency.p95Ms) : '—',
    r.label !== 'attacks' && isHonest(r.label)
      ? `FP ${pct(ratio(r.falsePositives, r.planned))}`
      : `recall ${pct(r.planned ? r.notCounted / r.planned : Number.NaN)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0),
      )
      .join('  ');
  return [fmt(head), widths.map((w) => '─'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}

/** Per label, the rules that fired on its held or rejected votes, most first. */
export function renderRules(figures: Figures): string {
  return figures.rows
    .filter((r) => r.label !== 'attacks' && Object.keys(r.rules).length > 0)
    .map((r) => {
      const rules = Object.entries(r.rules)
        .sort((a, b) => b[1] - a[1])
        .map(([rule, n]) => `${rule} ${n}`)
        .join(', ');
      return `${r.label.padEnd(16)} ${rules}`;
    })
    .join('\n');
}

/** The targets with pass or fail, and the other headline figures. */
export function renderSummary(figures: Figures): string {
  const { recall, falsePositiveRate, holdP95Ms } = figures.targets;
  const holds = figures.holdLatency;
  const mark = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
  return [
    `overall recall      ${pct(recall.value)}  (target ≥ ${pct(recall.target)})  ${mark(recall.pass)}`,
    `honest FP rate      ${pct(falsePositiveRate.value)}  (target ≤ ${pct(falsePositiveRate.target)})  ${mark(falsePositiveRate.pass)}`,
    holds.holds === 0
      ? 'hold latency        no cluster hold took back a counted vote'
      : `hold latency        p95 ${secs(holds.p95Ms)}  (target ≤ ${secs(holdP95Ms.target)})  ${mark(holdP95Ms.pass)}; p50 ${secs(holds.p50Ms)}, max ${secs(holds.maxMs)} over ${holds.holds} holds`,
    `review load         ${figures.reviewLoad} held votes`,
    `lost                ${figures.lost}${figures.lost > 0 ? '  (accepted but never decided: look at the workers)' : ''}`,
  ].join('\n');
}
