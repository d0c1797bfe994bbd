import { describe, expect, it } from 'vitest';
import { type RiskFeatures, riskFeaturesSchema } from '../../src/protocol/risk.js';
import {
  clusterMemberships,
  DEFAULT_RISK_SETTINGS,
  describeEvidence,
  formatClusterMember,
  holdWindowMs,
  parseClusterMember,
  resolveRiskSettings,
} from '../../src/risk/index.js';

/** An established account on its own phone with a human tap, in a crowd that fires every crowd rule. */
const supporter: RiskFeatures = riskFeaturesSchema.parse({
  voterVotes: 2,
  voterIntervalCv: null,
  dwellMs: 6_000,
  accountAgeMs: 3_600_000,
  deviceAccounts: 1,
  deviceVotes: 2,
  fingerprintAccounts: 80,
  fingerprintVotes: 90,
  ipAccounts: 30,
  ipVotes: 40,
  subnetAccounts: 60,
  subnetVotes: 70,
  ipCandidateAccounts: 25,
  subnetCandidateAccounts: 40,
  candidateRecent: 40,
  candidateBaseline: 2,
  candidateNewShare: 0.8,
  candidateVotes: 60,
  candidateVoters: 50,
  candidateWaveShare: 0.6,
  candidateWaveVotes: 30,
  candidateAgeMs: 7_200_000,
  sharesWithInviter: false,
  ringDepth: 0,
  inviterSharedInvitees: 0,
  inviterId: null,
  wechatRiskRank: 0,
});
const subject = { candidateId: 'c01', voterId: 'p-1', ip: '192.0.2.7', deviceId: 'dev-1' };
const membershipsOf = (features: Partial<RiskFeatures>, settings = DEFAULT_RISK_SETTINGS) =>
  clusterMemberships({ ...supporter, ...features }, subject, settings);
const clustersOf = (features: Partial<RiskFeatures>, settings = DEFAULT_RISK_SETTINGS) =>
  membershipsOf(features, settings).map((m) => m.cluster);
const membership = (cluster: string, features: Partial<RiskFeatures>) =>
  membershipsOf(features).find((m) => m.cluster === cluster);
/** A new account's first vote with evidence of its own, as assessVotes measures it. */
const fastNewcomer = { accountAgeMs: 0, dwellMs: 300, ownEvidence: true, subnetCandidateSuspects: 1 };

describe('which clusters a counted vote is a member of', () => {
  it("makes an established account's human vote a member of its own device and account only, however busy its address", () => {
    expect(clustersOf({})).toEqual(['device:dev-1', 'voter:p-1']);
  });

  it("makes a new account's first vote with evidence of its own a member of its address, block and wave, saying why", () => {
    expect(clustersOf(fastNewcomer)).toEqual([
      'device:dev-1',
      'ip:192.0.2.7@c01',
      'subnet:192.0.2.0/24@c01',
      'voter:p-1',
      'wave:c01',
    ]);
    expect(membership('ip:192.0.2.7@c01', { ...fastNewcomer, wechatRiskRank: 3 })?.evidence).toEqual([
      { signal: 'firstVote', value: 1 },
      { signal: 'tapMs', value: 300 },
      { signal: 'wechatRisk', value: 3 },
    ]);
    expect(membership('wave:c01', fastNewcomer)?.evidence).toEqual([
      { signal: 'firstVote', value: 1 },
      { signal: 'tapMs', value: 300 },
    ]);
  });

  it('makes a new account without evidence of its own a member of its block only, once the block has shown a suspect', () => {
    const newcomer = { accountAgeMs: 20_000, dwellMs: 6_000, subnetCandidateSuspects: 3 };
    expect(clustersOf(newcomer)).toEqual(['device:dev-1', 'subnet:192.0.2.0/24@c01', 'voter:p-1']);
    expect(membership('subnet:192.0.2.0/24@c01', newcomer)?.evidence).toEqual([
      { signal: 'newAccount', value: 20_000 },
      { signal: 'blockSuspects', value: 3 },
    ]);
    // Counted before any account of the block for the candidate showed evidence: a framer's fast
    // accounts arriving later cannot reach it.
    expect(clustersOf({ ...newcomer, subnetCandidateSuspects: 0 })).toEqual(['device:dev-1', 'voter:p-1']);
    // Past its first minute it is established: no network's member.
    expect(clustersOf({ accountAgeMs: 61_000 })).toEqual(['device:dev-1', 'voter:p-1']);
  });

  it("makes an invitee's first vote a member of its inviter's tree once the links had brought a quarter of the fan-out threshold", () => {
    const invitee = { accountAgeMs: 0, inviterId: 'p-host', inviterInvitees: 5, inviterSuspects: 1 };
    expect(clustersOf(invitee)).toContain('ring:p-host');
    expect(membership('ring:p-host', invitee)?.evidence).toEqual([
      { signal: 'firstVote', value: 1 },
      { signal: 'inviterInvitees', value: 5 },
      { signal: 'inviterSuspects', value: 1 },
    ]);
    // Counted before any of the tree had shown evidence of its own: a framer's accounts coming
    // through the same link later cannot reach it.
    expect(clustersOf({ ...invitee, inviterSuspects: 0 })).not.toContain('ring:p-host');
    expect(membership('ring:p-host', invitee)?.keptMs).toBe(600_000);
    // A sharer's first friends are no members: an attacker who brings accounts through a real
    // supporter's link later cannot reach back to them.
    expect(clustersOf({ ...invitee, inviterInvitees: 4 })).not.toContain('ring:p-host');
    // Nor is an invitee's later vote, nor any invitee's once the host turned the fan-out rule off.
    expect(clustersOf({ ...invitee, accountAgeMs: 30_000 })).not.toContain('ring:p-host');
    const off = resolveRiskSettings({ rules: { referralFanout: { enabled: false } } });
    expect(clustersOf(invitee, off)).not.toContain('ring:p-host');
    // The bar follows the host's threshold.
    const strict = resolveRiskSettings({ rules: { referralFanout: { threshold: 8 } } });
    expect(clustersOf({ ...invitee, inviterInvitees: 2 }, strict)).toContain('ring:p-host');
    expect(clustersOf({ ...invitee, inviterInvitees: 1 }, strict)).not.toContain('ring:p-host');
  });

  it('keeps a device seen with one account for the short window; a shared device, a block’s members and an account’s own votes for the day', () => {
    expect(membership('device:dev-1', {})?.keptMs).toBe(600_000);
    expect(membership('device:dev-1', { deviceAccounts: 2 })?.keptMs).toBe(86_400_000);
    expect(membership('subnet:192.0.2.0/24@c01', fastNewcomer)?.keptMs).toBe(86_400_000);
    expect(membership('voter:p-1', {})?.keptMs).toBe(86_400_000);
    expect(
      membership('subnet:192.0.2.0/24@c01', { accountAgeMs: 0, subnetCandidateSuspects: 2 })?.keptMs,
    ).toBe(86_400_000);
    expect(membership('ip:192.0.2.7@c01', fastNewcomer)?.keptMs).toBe(600_000);
  });

  it('records no cluster whose holding rules are all off, and nothing with risk control off', () => {
    const off = resolveRiskSettings({
      rules: {
        regularTiming: { enabled: false },
        lockstep: { enabled: false },
        deviceAccounts: { enabled: false },
        subnetCandidateAccounts: { enabled: false },
      },
    });
    expect(clustersOf(fastNewcomer, off)).toEqual(['ip:192.0.2.7@c01', 'wave:c01']);
    expect(clustersOf(fastNewcomer, resolveRiskSettings({ enabled: false }))).toEqual([]);
  });

  it('reaches back a day for devices, blocks and an account’s own votes, ten minutes for the rest', () => {
    expect(holdWindowMs('device:dev-1')).toBe(86_400_000);
    expect(holdWindowMs('subnet:192.0.2.0/24@c01')).toBe(86_400_000);
    expect(holdWindowMs('ip:192.0.2.7@c01')).toBe(600_000);
    expect(holdWindowMs('voter:p-1')).toBe(86_400_000);
  });
});

describe("a cluster's member", () => {
  it('reads back as it was written, and in words', () => {
    const evidence = [
      { signal: 'firstVote', value: 1 },
      { signal: 'tapMs', value: 240 },
      { signal: 'deviceAccounts', value: 2 },
    ] as const;
    const member = formatClusterMember('v-1.abc', evidence);
    expect(member).toBe('v-1.abc firstVote=1,tapMs=240,deviceAccounts=2');
    expect(parseClusterMember(member)).toEqual({ voteId: 'v-1.abc', evidence });
    expect(describeEvidence(evidence)).toBe(
      "the account's first vote here; tapped 240 ms after the page showed; sent from a device shared by 2 accounts",
    );
    expect(
      describeEvidence([
        { signal: 'newAccount', value: 20_000 },
        { signal: 'blockSuspects', value: 6 },
      ]),
    ).toBe(
      "an account new here (20 s after its first vote); counted after 6 of the network's accounts for the candidate (this one too, if it had) had shown evidence of their own",
    );
    expect(
      describeEvidence([
        { signal: 'firstVote', value: 1 },
        { signal: 'inviterInvitees', value: 12 },
        { signal: 'inviterSuspects', value: 4 },
      ]),
    ).toBe(
      "the account's first vote here; one of 12 accounts the inviter's links had brought in 10 min when it was counted; 4 of them (this one too, if it had) with evidence of their own",
    );
  });

  it('leaves out what it cannot read', () => {
    expect(parseClusterMember('v-2 bogus=1,tapMs=x,newAccount=0')).toEqual({
      voteId: 'v-2',
      evidence: [{ signal: 'newAccount', value: 0 }],
    });
    expect(parseClusterMember('')).toBeUndefined();
  });
});
