// What the rules' tests share: an unremarkable vote's features and subject, and judging a change of them.
import type { RiskFeatures } from '../../src/protocol/risk.js';
import { DEFAULT_RISK_SETTINGS } from '../../src/risk/defaults.js';
import { assessVote } from '../../src/risk/rules.js';

/** An unremarkable vote: a returning account on its own phone, a human tap. */
const calm: RiskFeatures = {
  voterVotes: 2,
  voterIntervalCv: null,
  voterIntervals: 1,
  voterIntervalMeanMs: null,
  dwellMs: 5_200,
  accountAgeMs: 3_600_000,
  deviceAccounts: 1,
  deviceVotes: 2,
  fingerprintAccounts: 4,
  fingerprintVotes: 6,
  ipAccounts: 1,
  ipVotes: 2,
  subnetAccounts: 3,
  subnetVotes: 4,
  ipCandidateAccounts: 1,
  subnetCandidateAccounts: 1,
  candidateRecent: 6,
  candidateBaseline: 5,
  candidateNewShare: 0.2,
  candidateVotes: 30,
  candidateVoters: 24,
  candidateWaveShare: 0,
  candidateWaveVotes: 0,
  candidateAgeMs: 7_200_000,
  sharesWithInviter: false,
  ringDepth: 0,
  inviterSharedInvitees: 0,
  inviterId: null,
  wechatRiskRank: 0,
  ownEvidence: false,
  ipCandidateSuspects: 0,
  subnetCandidateSuspects: 0,
  syncedVotes: 0,
  votesBefore: 0,
  bunched: false,
  voterWaves: 0,
  recentFirstVotes: 0,
  candidateRiskyNew: 0,
  candidateRiskyNewShare: 0,
  dwellTwins: 0,
  inviterInvitees: 0,
  inviterSuspects: 0,
  candidateDayNew: 0,
  candidateDayRiskyNew: 0,
  dayDwellTwins: 0,
  dayDwellAround: 0,
  dayFineTwins: 0,
  dayFineAround: 0,
};
const subject = {
  candidateId: 'alice',
  voterId: 'p-1',
  ip: '203.0.113.9',
  deviceId: 'dev-1',
  fingerprint: 'f'.repeat(64),
};
/** The verdict on the unremarkable vote with `features` changed. */
export const assess = (features: Partial<RiskFeatures>, settings = DEFAULT_RISK_SETTINGS) =>
  assessVote({ ...calm, ...features }, subject, settings);
