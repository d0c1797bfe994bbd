import { riskFeaturesSchema } from '@rallyboard/core/protocol';
import { DEFAULT_RISK_SETTINGS } from '@rallyboard/core/risk';
import { describe, expect, it } from 'vitest';
import type { VoteFate } from '../../../simulate/sweep/fates.js';
import { ClusterHolds, type CountedVote } from '../../../simulate/sweep/holds.js';

/** An established account's human vote: a member of its device's and its own clusters only. */
const features = riskFeaturesSchema.parse({
  voterVotes: 1,
  voterIntervalCv: null,
  dwellMs: 5_000,
  accountAgeMs: 3_600_000,
  deviceAccounts: 1,
  fingerprintAccounts: 1,
  ipAccounts: 1,
  subnetAccounts: 1,
  ipCandidateAccounts: 1,
  subnetCandidateAccounts: 1,
  candidateRecent: 1,
  candidateBaseline: 1,
  candidateNewShare: 0,
  candidateVotes: 1,
  candidateVoters: 1,
  candidateWaveShare: 0,
  candidateWaveVotes: 0,
  candidateAgeMs: 3_600_000,
  sharesWithInviter: false,
  ringDepth: 0,
  inviterSharedInvitees: 0,
  inviterId: null,
  wechatRiskRank: 0,
});

const vote = (index: number, voterId: string, at: number): CountedVote => ({
  index,
  at,
  features,
  subject: {
    voteId: `v-${index}`,
    voterId,
    acceptedAt: at,
    candidateId: 'c01',
    ip: '198.51.100.7',
    net24: '198.51.100.0/24',
    net16: '198.51.0.0/16',
    deviceId: `dev-${voterId}`,
  },
});
const counted = (label = 'lockstep-cohort'): VoteFate =>
  ({ label, account: 'a', candidateId: 'c01', fate: 'counted', rules: [] }) as VoteFate;

describe('cluster holds in virtual time', () => {
  it('hold a member counted while its cluster is known, as the workers do, and leave other accounts alone', () => {
    const holds = new ClusterHolds(DEFAULT_RISK_SETTINGS, 2_000);
    const fates = [counted(), counted(), counted('honest'), counted()];
    holds.counted(vote(0, 'p-1', 1_000));
    holds.reveal('voter:p-1', 2_000);
    holds.runDue(4_000, fates);
    // Counted after its account was stopped (its own rules let it through): held when recorded.
    holds.counted(vote(1, 'p-1', 60_000));
    holds.counted(vote(2, 'p-2', 60_000));
    holds.runDue(62_000, fates);
    // An account's own cluster is known for ten minutes (its hold reaches the day): past that,
    // its votes are judged by their own rules again.
    holds.counted(vote(3, 'p-1', 2_000 + 11 * 60_000));
    holds.runDue(2_000 + 12 * 60_000, fates);
    expect(fates.map((f) => f.fate)).toEqual(['held', 'held', 'counted', 'counted']);
    expect(fates[1]?.heldWithCluster).toBe('voter:p-1');
  });
});
