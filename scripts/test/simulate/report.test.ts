import { describe, expect, it } from 'vitest';
import { type HoldRecord, holdLatency, holdsOf } from '../../simulate/hold-latency.js';
import { type Outcome, outcomeOf, type VoteOutcome } from '../../simulate/outcomes.js';
import { computeFigures, renderSummary, renderTable } from '../../simulate/report.js';
import type { Label } from '../../simulate/scenario.js';

const votes = (label: Label, n: number, outcome: Outcome): VoteOutcome[] =>
  Array.from({ length: n }, (_, i) => ({ label, account: `${label}-${i}`, candidateId: 'c01', outcome }));

describe('the figures', () => {
  const outcomes = [
    ...votes('honest', 990, { kind: 'counted' }),
    ...votes('honest', 3, { kind: 'held', rules: ['subnetAccounts'] }),
    ...votes('honest', 2, { kind: 'rejected', reason: 'QUOTA_EXCEEDED' }),
    ...votes('honest', 4, { kind: 'refused', stage: 'vote', status: 409, code: 'QUOTA_EXCEEDED' }),
    ...votes('honest', 1, { kind: 'refused', stage: 'vote', status: 429, code: 'RATE_LIMITED' }),
    ...votes('device-farm', 30, {
      kind: 'rejected',
      reason: 'RISK_REJECTED',
      rules: ['deviceAccounts', 'wechatRisk'],
    }),
    ...votes('device-farm', 8, { kind: 'held' }),
    ...votes('device-farm', 2, { kind: 'counted' }),
    ...votes('burst', 50, { kind: 'counted' }),
    ...votes('burst', 40, { kind: 'refused', stage: 'login', status: 429, code: 'RATE_LIMITED' }),
    ...votes('burst', 10, { kind: 'lost' }),
  ];
  const figures = computeFigures(outcomes);
  const row = (label: string) => figures.rows.find((r) => r.label === label);

  it('count every planned vote once per label, and the attacks together', () => {
    expect(row('honest')).toMatchObject({
      planned: 1_000,
      accepted: 995,
      counted: 990,
      held: 3,
      refused: 5,
      rateLimited: 1,
    });
    expect(row('device-farm')).toMatchObject({
      planned: 40,
      accepted: 40,
      counted: 2,
      held: 8,
      rejectedRisk: 30,
    });
    expect(row('burst')).toMatchObject({
      planned: 100,
      accepted: 60,
      counted: 50,
      refused: 40,
      rateLimited: 40,
      lost: 10,
    });
    expect(row('attacks')).toMatchObject({
      planned: 140,
      counted: 52,
      held: 8,
      rejectedRisk: 30,
      refused: 40,
      lost: 10,
    });
    expect(figures.rows.map((r) => r.label)).toEqual(['honest', 'device-farm', 'burst', 'attacks']);
  });

  it('take recall as attack votes not counted over attack votes planned, per attack and overall', () => {
    expect(figures.recall['device-farm']).toBeCloseTo(38 / 40);
    expect(figures.recall.burst).toBeCloseTo(50 / 100);
    expect(figures.recall.overall).toBeCloseTo(88 / 140);
    expect(figures.recall['ip-farm']).toBeUndefined();
  });

  it('count as false positives what was held, or rejected or refused for anything but the voter’s own quota', () => {
    // 3 held + 1 rate limited; the 6 over their quota are their own doing.
    expect(row('honest')?.falsePositives).toBe(4);
    expect(figures.falsePositiveRate).toBeCloseTo(4 / 1_000);
    expect(figures.targets.falsePositiveRate.pass).toBe(true);
    expect(figures.targets.recall.pass).toBe(false);
  });

  it('count a crowd or a campus as honest: its stopped votes are false positives, never recall', () => {
    const withCrowd = computeFigures([
      ...votes('honest', 100, { kind: 'counted' }),
      ...votes('live-crowd', 98, { kind: 'counted' }),
      ...votes('live-crowd', 2, { kind: 'refused', stage: 'login', status: 429, code: 'RATE_LIMITED' }),
      ...votes('burst', 10, { kind: 'held' }),
    ]);
    expect(withCrowd.falsePositiveRate).toBeCloseTo(2 / 200);
    expect(withCrowd.recall.overall).toBe(1);
    expect(withCrowd.rows.find((r) => r.label === 'attacks')?.planned).toBe(10);
    expect(renderTable(withCrowd)).toMatch(/live-crowd .* FP 2\.0/);
  });

  it('take the review load as every held vote, honest or not, and report the lost ones', () => {
    expect(figures.reviewLoad).toBe(11);
    expect(figures.lost).toBe(10);
  });

  it('keep the reasons and the rules that fired', () => {
    expect(row('device-farm')?.reasons).toEqual({ RISK_REJECTED: 30, held: 8 });
    expect(row('device-farm')?.rules).toEqual({ deviceAccounts: 30, wechatRisk: 30 });
    expect(row('burst')?.reasons).toEqual({ 'login 429 RATE_LIMITED': 40, lost: 10 });
  });

  it('render a row per label with its figure', () => {
    const table = renderTable(figures);
    expect(table).toMatch(/honest .* FP 0\.4%/);
    expect(table).toMatch(/device-farm .* recall 95\.0%/);
  });

  it('are not a number where nothing was planned', () => {
    const empty = computeFigures([]);
    expect(empty.recall.overall).toBeNaN();
    expect(empty.targets.recall.pass).toBe(false);
  });
});

describe('a ledger record', () => {
  it('is counted, held or rejected by its verdict', () => {
    expect(outcomeOf({ verdict: 'counted' })).toEqual({ kind: 'counted' });
    expect(outcomeOf({ verdict: 'held', risk: { reasons: [{ rule: 'fastTap' }] } })).toEqual({
      kind: 'held',
      rules: ['fastTap'],
    });
    expect(outcomeOf({ verdict: 'rejected', reason: 'RISK_REJECTED' })).toEqual({
      kind: 'rejected',
      reason: 'RISK_REJECTED',
    });
  });

  it('is held when risk control held it after counting it', () => {
    expect(outcomeOf({ verdict: 'counted', review: { state: 'held' } })).toEqual({ kind: 'held' });
    expect(outcomeOf({ verdict: 'counted', review: { state: 'voided' } })).toEqual({
      kind: 'rejected',
      reason: 'VOIDED',
    });
  });
});

describe('hold latency', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, s));
  const held = (
    id: string,
    accepted: number,
    heldAt: number,
    cluster: string,
    actionId: string,
  ): HoldRecord => ({
    _id: id,
    acceptedAt: at(accepted),
    verdict: 'counted',
    review: { state: 'held', at: at(heldAt), cluster, actionId, retraction: `${id}.x` },
  });
  const stopped = (id: string, accepted: number, clusters: string[]): HoldRecord => ({
    _id: id,
    acceptedAt: at(accepted),
    verdict: 'held',
    risk: { clusters },
  });
  const records = [
    held('a1', 0, 6, 'device:d', 'job-1'),
    held('a2', 2, 5, 'device:d', 'job-1'),
    stopped('a3', 4, ['device:d', 'fingerprint:f']),
    stopped('a4', 20, ['device:d']),
    // Counted once the cluster was known, and held by a later job: from its own acceptance.
    held('a5', 10, 13, 'device:d', 'job-2'),
    held('b1', 1, 9, 'ip:192.0.2.7@c01', 'job-3'),
    { ...stopped('b2', 3, ['ip:192.0.2.7@c01']), verdict: 'rejected', reason: 'RISK_REJECTED' },
    // Not held with a cluster: a vote held at its own decision, and a counted one.
    stopped('c1', 5, ['device:e']),
    { _id: 'c2', acceptedAt: at(5), verdict: 'counted' },
  ];
  const labels: Record<string, Label> = {
    a1: 'device-farm',
    a2: 'device-farm',
    a5: 'device-farm',
    b1: 'honest',
  };
  const holds = holdsOf(records, (id) => labels[id]);

  it("times each hold from the vote that revealed its cluster (or a later vote's own acceptance) to the hold, for its latest vote", () => {
    expect(
      holds.map((h) => ({ cluster: h.cluster, votes: h.voteIds.length, latencyMs: h.latencyMs })),
    ).toEqual([
      // a1 and a2 revealed by a3 at 4 s, held at 6 s and 5 s.
      { cluster: 'device:d', votes: 2, latencyMs: 2_000 },
      { cluster: 'device:d', votes: 1, latencyMs: 3_000 },
      { cluster: 'ip:192.0.2.7@c01', votes: 1, latencyMs: 6_000 },
    ]);
    expect(holds[2]?.labels).toEqual(['honest']);
  });

  it('reports p50, p95 and max over the holds, per label and overall, in the figures and the table', () => {
    expect(holdLatency(holds)).toEqual({ holds: 3, p50Ms: 3_000, p95Ms: 6_000, maxMs: 6_000 });
    const figures = computeFigures(
      [...votes('honest', 10, { kind: 'counted' }), ...votes('device-farm', 3, { kind: 'held' })],
      holds,
    );
    expect(figures.holdLatency.p95Ms).toBe(6_000);
    expect(figures.targets.holdP95Ms).toEqual({ target: 5_000, value: 6_000, pass: false });
    expect(figures.rows.find((r) => r.label === 'device-farm')?.holdLatency).toMatchObject({
      holds: 2,
      maxMs: 3_000,
    });
    expect(figures.holds).toHaveLength(3);
    expect(renderTable(figures)).toMatch(/device-farm .* 3\.0 s {2}recall/);
    expect(renderSummary(figures)).toMatch(
      /hold latency +p95 6\.0 s {2}\(target ≤ 5\.0 s\) {2}FAIL; p50 3\.0 s, max 6\.0 s over 3 holds/,
    );
  });
});
