import { describe, expect, it } from 'vitest';
import { type Outcome, outcomeOf, type VoteOutcome } from '../../simulate/outcomes.js';
import { computeFigures, renderTable } from '../../simulate/report.js';
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
