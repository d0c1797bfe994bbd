import { z } from 'zod';

// What the workers measure about each vote (assessVotes-5+.lua), the input of the rules
// (`@rallyboard/core/risk`); docs/risk.md's "What is measured" explains each.

/**
 * What the worker measured about one vote, at its acceptance time, from the votes before it.
 * `null`: not measurable (no device id sent, too few earlier votes, WeChat did not answer).
 */
export const riskFeaturesSchema = z.object({
  /** The voter's votes on this board in the short window, this one included. */
  voterVotes: z.number().int(),
  /** Coefficient of variation of the voter's last intervals between votes (needs 4 intervals: 5 votes). */
  voterIntervalCv: z.number().nullable(),
  /** How many intervals that variation is of (at most 8). */
  voterIntervals: z.number().int().default(0),
  /** Their mean (ms), when there are four or more; null otherwise (and in measurements stored before it). */
  voterIntervalMeanMs: z.number().nullable().default(null),
  /** Milliseconds from the page being shown to the tap; null when the client sent none. */
  dwellMs: z.number().nullable(),
  /** Milliseconds since this board first saw the voter. */
  accountAgeMs: z.number(),
  /** Accounts seen on this device id in the long window. */
  deviceAccounts: z.number().int().nullable(),
  /** Votes from this device id in the short window: no longer measured (no rule read it); kept on older records. */
  deviceVotes: z.number().int().nullable().optional(),
  /** Accounts seen with this fingerprint in the short window (its votes: as deviceVotes). */
  fingerprintAccounts: z.number().int().nullable(),
  fingerprintVotes: z.number().int().nullable().optional(),
  /** Accounts seen on this IP in the short window. */
  ipAccounts: z.number().int(),
  ipVotes: z.number().int().optional(),
  /** Accounts seen on this IPv4 /24 or IPv6 /64 in the short window. */
  subnetAccounts: z.number().int(),
  subnetVotes: z.number().int().optional(),
  /** Accounts voting for this candidate from this IP in the short window, and from this subnet in the long one. */
  ipCandidateAccounts: z.number().int(),
  subnetCandidateAccounts: z.number().int(),
  /** The candidate's votes in the spike window, this one included. */
  candidateRecent: z.number().int(),
  /** The candidate's average votes per spike window over the baseline before it. */
  candidateBaseline: z.number(),
  /** The share of the candidate's votes in the short window cast by new accounts. */
  candidateNewShare: z.number(),
  /** Votes on the candidate in the short window (the sample of candidateNewShare), and their voters. */
  candidateVotes: z.number().int(),
  candidateVoters: z.number().int(),
  /**
   * The share of the candidate's votes in the spike window that were brand-new accounts' first
   * votes tapped within `waveTapMs`: a bought wave.
   */
  candidateWaveShare: z.number(),
  /** How many votes that share is of. */
  candidateWaveVotes: z.number().int(),
  /** Milliseconds since the candidate's first vote: its baseline means something only past `baselineMs`. */
  candidateAgeMs: z.number(),
  /** Whether the voter came through a share link of someone on the same device or subnet. */
  sharesWithInviter: z.boolean(),
  /** How many links up the referral chain keep sharing a device or subnet (0: none). */
  ringDepth: z.number().int(),
  /** How many of the inviter's invitees share the inviter's device or subnet. */
  inviterSharedInvitees: z.number().int(),
  /** The participant whose share link brought the voter, if any. */
  inviterId: z.string().nullable(),
  /**
   * A new account's own evidence (its first vote here tapped at most the fastTap threshold or
   * without a dwell, WeChat's rank 2 or more, or a device shared with another account).
   * Measurements stored before it was measured read as none (the defaults below).
   */
  ownEvidence: z.boolean().default(false),
  /** Accounts with their own evidence voting for this candidate from this IP, and this subnet, in the short window. */
  ipCandidateSuspects: z.number().int().default(0),
  subnetCandidateSuspects: z.number().int().default(0),
  /**
   * The candidate's votes in the second up to this one (this one included), and in the five
   * seconds before that: a wave that starts all at once, or a crowd that keeps coming.
   */
  syncedVotes: z.number().int().default(0),
  votesBefore: z.number().int().default(0),
  /** Whether that second is bunched: at least 10 votes, 4 times the pace of the 5 s before. */
  bunched: z.boolean().default(false),
  /**
   * The voter's earlier bunched waves on this board: their votes in bunched seconds, where those
   * within 15 s of a wave's first are that wave (a fast voter taps twice as a crowd arrives).
   */
  voterWaves: z.number().int().default(0),
  /**
   * Of the synced votes, those from voters in a bunched wave before: a script's cohort comes back
   * whole, a crowd called again comes back at random places. Absent from records before it.
   */
  syncedReturning: z.number().int().optional(),
  /** For a first vote: the candidate's first votes in the spike window (this one included). */
  recentFirstVotes: z.number().int().default(0),
  /** For a first vote: the candidate's first votes in the spike window whose dwell is within 5% of this one's. */
  dwellTwins: z.number().int().default(0),
  /**
   * The candidate's first votes in the short window from accounts WeChat rates 2 or more, and
   * their share of its new accounts' votes there. Like the day's two counts below, measured only
   * for an account in its first minute here that WeChat rates 2 or more (the only one the risky
   * cohort judges); 0 for any other.
   */
  candidateRiskyNew: z.number().int().default(0),
  candidateRiskyNewShare: z.number().default(0),
  /**
   * Over the day: the candidate's first votes, those from accounts WeChat rates 2 or more, and
   * (for a vote with a dwell from an account in its first minute here) those whose dwell falls
   * in this one's 10% bucket or the two beside it: a cohort spread over hours.
   */
  candidateDayNew: z.number().int().default(0),
  candidateDayRiskyNew: z.number().int().default(0),
  dayDwellTwins: z.number().int().default(0),
  /** Over the day: the candidate's first votes in the eight buckets 2 to 5 away from this dwell's, either side. */
  dayDwellAround: z.number().int().default(0),
  /**
   * The same in 2% buckets: the first votes in this dwell's bucket and the two beside it (about
   * 6%), and in the twelve 2 to 7 buckets away either side: a script within a few percent of
   * people's usual dwell.
   */
  dayFineTwins: z.number().int().default(0),
  dayFineAround: z.number().int().default(0),
  /** Every invitee the inviter's share links brought in the short window. */
  inviterInvitees: z.number().int().default(0),
  /**
   * Those of them whose vote had evidence of its own (`ownEvidence`): a bought tree's accounts
   * show it far more often than a popular sharer's real friends.
   */
  inviterSuspects: z.number().int().default(0),
  /** WeChat's getUserRiskRank, 0–4, cached from the voter's login; null when unknown. */
  wechatRiskRank: z.number().int().min(0).max(4).nullable(),
});
export type RiskFeatures = z.infer<typeof riskFeaturesSchema>;
