import type { LedgerVote } from '@rallyboard/core/db';
import { RISK_WINDOWS } from '@rallyboard/core/protocol';
import type { ReviewJob } from '@rallyboard/core/queue';
import { describe, expect, it } from 'vitest';
import {
  createMatcher,
  type HoldClusterJob,
  holdsWave,
  LEDGER_HOLD_KINDS,
  ledgerHoldFilter,
  selectionFilter,
} from '../../src/review/selection.js';

const since = Date.parse('2026-01-01T00:00:00Z');
const hold = (cluster: string): HoldClusterJob => ({
  kind: 'hold-cluster',
  campaignId: 'board-1',
  cluster,
  since,
  until: since + 60_000,
  by: 'risk',
});
const record = (fields: Partial<LedgerVote> = {}): LedgerVote => ({
  _id: 'v-1',
  boardId: 'board-1',
  candidateId: 'c01',
  action: 'vote',
  voterId: 'p-1',
  verdict: 'counted',
  delta: 1,
  seq: 1,
  day: '2026-01-01',
  acceptedAt: new Date(since + 1_000),
  decidedAt: new Date(since + 1_000),
  ...fields,
});

describe('which votes a cluster hold takes', () => {
  it("takes a device's counted votes and likes by its device id", () => {
    expect(selectionFilter(hold('device:d-1'))).toMatchObject({
      boardId: 'board-1',
      verdict: 'counted',
      action: { $in: ['vote', 'like'] },
      'context.deviceId': 'd-1',
    });
    expect(createMatcher(hold('device:d-1'))(record())).toBe(true);
  });

  it("takes none of a network's votes from the ledger: sharing an address is no evidence, only recorded members are held", () => {
    expect(LEDGER_HOLD_KINDS.has('ip')).toBe(false);
    expect(createMatcher(hold('ip:192.0.2.7@c02'))(record({ context: { ip: '192.0.2.7' } }))).toBe(false);
    expect(createMatcher(hold('subnet:192.0.2.0/24@c02'))(record({ context: { ip: '192.0.2.8' } }))).toBe(
      false,
    );
  });

  it("takes no host's re-count (a vote held and decided), by rule or by a cluster's hold", () => {
    expect(ledgerHoldFilter(hold('voter:p-1'), since + 30_000)).toMatchObject({
      restores: { $exists: false },
    });
    const rule: ReviewJob = {
      kind: 'void-by-rule',
      campaignId: 'board-1',
      rule: { from: new Date(since).toISOString(), to: new Date(since + 60_000).toISOString() },
      by: 'h-1',
    };
    expect(selectionFilter(rule)).toMatchObject({ restores: { $exists: false } });
  });

  it('takes from the ledger only the votes accepted before the board recorded its members', () => {
    expect(ledgerHoldFilter(hold('device:d-1'), since + 30_000)).toMatchObject({
      acceptedAt: { $gte: new Date(since), $lt: new Date(since + 30_000) },
    });
  });

  it("takes a wave's votes for its candidate tapped as fast as a wave's, each voter's first only", () => {
    const job = hold('wave:c01');
    expect(holdsWave(job)).toBe(true);
    expect(holdsWave(hold('voter:p-1'))).toBe(false);
    expect(selectionFilter(job)).toMatchObject({ candidateId: 'c01' });
    const matches = createMatcher(job);
    const ip = '192.0.2.1';
    expect(matches(record({ context: { ip, dwellMs: RISK_WINDOWS.waveTapMs - 1 } }))).toBe(true);
    expect(matches(record({ context: { ip, dwellMs: RISK_WINDOWS.waveTapMs } }))).toBe(false);
  });

  it('takes nothing of a cluster id that does not read', () => {
    expect(createMatcher(hold('ip:@c01'))(record({ context: { ip: '192.0.2.7' } }))).toBe(false);
  });
});

describe('which votes a void by rule takes', () => {
  it('takes the votes and likes of its window, narrowed to its network in code', () => {
    const job: ReviewJob = {
      kind: 'void-by-rule',
      campaignId: 'board-1',
      rule: {
        from: new Date(since).toISOString(),
        to: new Date(since + 60_000).toISOString(),
        network: '192.0.2.0/24',
      },
      by: 'h-1',
    };
    expect(selectionFilter(job)).toEqual({
      boardId: 'board-1',
      action: { $in: ['vote', 'like'] },
      restores: { $exists: false },
      acceptedAt: { $gte: new Date(since), $lt: new Date(since + 60_000) },
    });
    const matches = createMatcher(job);
    expect(matches(record({ context: { ip: '192.0.2.200' } }))).toBe(true);
    expect(matches(record({ context: { ip: '198.51.100.1' } }))).toBe(false);
  });
});
