/** The risk-control part of the key builder (keys.ts): every key lives under the board's hash tag. */

/** The keys of a board's risk control. Windows expire by themselves; see assessVotes-5+.lua. */
export interface RiskKeys {
  /** String: a vote's stored measurements, so a re-delivered vote is measured once. */
  assessment(voteId: string): string;
  /**
   * String: risk control's assessment of a vote it did not accept (held, rejected, or judged so but
   * stopped by a quota first), written by applyVotes-9+.lua with the vote's marker and kept as
   * long; a re-delivered vote's record and follow-up are its first run's (workers/src/votes).
   */
  decision(voteId: string): string;
  /**
   * Hash: a voter's first vote time (`first`), last votes' times (`times`, newest first), last
   * device (`d`) and /24 (`s`), and referral ring depth (`ring`).
   */
  voter(voterId: string): string;
  /** Sorted set: the accounts seen on a device, fingerprint, IP or subnet, by last time. */
  accounts(kind: 'device' | 'fingerprint' | 'ip' | 'subnet', value: string): string;
  /** Sorted set: the accounts of an IP or subnet that voted for one candidate. */
  candidateAccounts(kind: 'ip' | 'subnet', value: string, candidateId: string): string;
  /** Hash: `v:<minute>` → the candidate's votes, `n:<minute>` → those by new accounts. */
  candidate(candidateId: string): string;
  /** Sorted set: the accounts that voted for the candidate, by last time. */
  candidateVoters(candidateId: string): string;
  /** Sorted set: an inviter's invitees on the inviter's device or subnet. */
  sharedInvitees(inviterId: string): string;
  /**
   * Sorted set: the accounts of an IP or subnet that voted for one candidate with evidence of
   * their own (a new account tapping fast, rated risky by WeChat, or on a shared device).
   */
  candidateSuspects(kind: 'ip' | 'subnet', value: string, candidateId: string): string;
  /** List: the candidate's latest first votes, `<time>:<dwell>`, newest first (synchrony, dwell twins). */
  candidateFirsts(candidateId: string): string;
  /** Sorted set: every invitee an inviter's share links brought, by time. */
  invitees(inviterId: string): string;
  /** Sorted set: those of them whose first vote had evidence of its own, by time. */
  inviteeSuspects(inviterId: string): string;
  /** Hash: the candidate's votes in its last eight seconds, a slot per second (`k<n>`, `c<n>`). */
  candidateSeconds(candidateId: string): string;
  /** Dashboard tallies: votes per /16 (hash), per /24 and per IP (sorted sets). */
  readonly net16: string;
  readonly net24: string;
  readonly ips: string;
  /** Sorted sets: the most accounts seen on each device and fingerprint. */
  readonly deviceAccounts: string;
  readonly fingerprintAccounts: string;
  /** Hash: `<minute>:<counted|held|rejected>` → decided votes. */
  readonly verdicts: string;
  /**
   * String with a TTL: set while a cluster's earlier votes were recently held (hold-cluster), for
   * the votes accepted in one of its hold's windows (`span`: acceptance time ÷ the window).
   */
  clusterHeld(cluster: string, span: number): string;
  /**
   * Sorted set, expires: the counted votes that are members of a cluster by their own evidence,
   * `<voteId> <evidence>` (core/risk/evidence.ts) by acceptance time, for the cluster's window.
   */
  clusterMembers(cluster: string): string;
  /** String: since when (epoch ms) the workers record the board's cluster members. */
  readonly membersSince: string;
  /**
   * Sorted set with a TTL: the votes stopped for a cluster, two entries per window of acceptance
   * time (`<acceptance ÷ window>:first` and `…:last`) scored by the acceptance times of its first
   * and latest. A member counted
   * later, accepted within the cluster's window before one of them or its known time after, is
   * held as soon as it is recorded (workers/src/risk/follow-up.ts).
   */
  clusterKnown(cluster: string): string;
  /** String with a TTL: set while an alert about `subject` was recently raised. */
  alerted(kind: string, subject: string): string;
}

/** @param base the board's key head, `{prefix}:{boardId}` */
export function riskKeys(base: string): RiskKeys {
  return {
    assessment: (voteId) => `${base}:risk:a:${voteId}`,
    decision: (voteId) => `${base}:risk:d:${voteId}`,
    voter: (voterId) => `${base}:risk:voter:${voterId}`,
    accounts: (kind, value) => `${base}:risk:acc:${kind}:${value}`,
    candidateAccounts: (kind, value, candidateId) => `${base}:risk:cand-acc:${kind}:${value}:${candidateId}`,
    candidate: (candidateId) => `${base}:risk:cand:${candidateId}`,
    candidateVoters: (candidateId) => `${base}:risk:cand-voters:${candidateId}`,
    sharedInvitees: (inviterId) => `${base}:risk:ring:${inviterId}`,
    candidateSuspects: (kind, value, candidateId) => `${base}:risk:cand-sus:${kind}:${value}:${candidateId}`,
    candidateFirsts: (candidateId) => `${base}:risk:cand-first:${candidateId}`,
    invitees: (inviterId) => `${base}:risk:inv:${inviterId}`,
    inviteeSuspects: (inviterId) => `${base}:risk:inv-sus:${inviterId}`,
    candidateSeconds: (candidateId) => `${base}:risk:cand-sec:${candidateId}`,
    net16: `${base}:risk:net16`,
    net24: `${base}:risk:net24`,
    ips: `${base}:risk:ips`,
    deviceAccounts: `${base}:risk:top-devices`,
    fingerprintAccounts: `${base}:risk:top-fingerprints`,
    verdicts: `${base}:risk:verdicts`,
    clusterHeld: (cluster, span) => `${base}:risk:held:${cluster}#${span}`,
    clusterMembers: (cluster) => `${base}:risk:members:${cluster}`,
    membersSince: `${base}:risk:members-since`,
    clusterKnown: (cluster) => `${base}:risk:known:${cluster}`,
    alerted: (kind, subject) => `${base}:risk:alerted:${kind}:${subject}`,
  };
}
