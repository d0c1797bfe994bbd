import { type LedgerVote, type RewardRuleDoc, rewardGrantIdOf } from '@rallyboard/core/db';
import type { RewardSpec } from '@rallyboard/core/protocol';

/** One of a participant's votes or likes that counts now. */
export interface CountedActivity {
  voteId: string;
  candidateId: string;
  action: 'vote' | 'like';
  day: string;
  acceptedAt: Date;
  /**
   * A like its participant has withdrawn since (a later unlike of the same candidate counts): it
   * keeps what it earned as it was given (first of the day, every n-th) but no longer makes them
   * one of the candidate's supporters (milestone, end).
   */
  withdrawn?: boolean;
}

/** A grant the rules give for the participant's counted activity. */
export interface DesiredGrant {
  grantId: string;
  ruleId: string;
  key: string;
  voteId: string;
  reward: RewardSpec;
}

type StandingFields = Pick<
  LedgerVote,
  '_id' | 'candidateId' | 'action' | 'verdict' | 'seq' | 'day' | 'acceptedAt' | 'review' | 'restores'
>;

/**
 * A participant's acts that count now, from their ledger records on one board (the counted ones
 * are enough, unlikes included): each `standing` one, where a vote approved after review took it
 * back counts only if its re-count did (a like given again meanwhile, or a board full by then,
 * does not); a like is `withdrawn` when an unlike of the same candidate that counts took effect
 * after it (on the board's seq), as the like sets have it.
 */
export function countedActs(records: readonly StandingFields[]): CountedActivity[] {
  const recounts = new Map(
    records.filter((r) => r.restores !== undefined && r.verdict === 'counted').map((r) => [r._id, r]),
  );
  /** Where on the board a record took effect (its re-count's, if review took it back), if it counts now. */
  const countsAt = (r: StandingFields): number | undefined => {
    if (r.restores !== undefined || r.verdict !== 'counted') return undefined;
    if (r.review?.state === 'held' || r.review?.state === 'voided') return undefined;
    const credit = r.review?.credit;
    return credit === undefined ? (r.seq ?? 0) : recounts.get(credit)?.seq;
  };
  const lastUnlike = new Map<string, number>();
  for (const r of records) {
    const at = r.action === 'unlike' ? countsAt(r) : undefined;
    if (at !== undefined && at > (lastUnlike.get(r.candidateId) ?? -1)) lastUnlike.set(r.candidateId, at);
  }
  return records.flatMap((r) => {
    const at = countsAt(r);
    const act = standing(r);
    if (at === undefined || !act) return [];
    const unliked = lastUnlike.get(r.candidateId);
    return act.action === 'like' && unliked !== undefined && unliked > at
      ? [{ ...act, withdrawn: true }]
      : [act];
  });
}

/**
 * Whether a ledger record of the participant's is a vote or like that counts now: counted, and
 * not taken back by review (held after its cluster was found, or voided). A held vote counts once
 * approved (its verdict is then `counted`). Review's own records (retractions, re-counts) are
 * not the participant's acts.
 */
export function standing(record: StandingFields): CountedActivity | undefined {
  if (record.restores !== undefined || record.verdict !== 'counted') return undefined;
  if (record.action !== 'vote' && record.action !== 'like') return undefined;
  const state = record.review?.state;
  if (state === 'held' || state === 'voided') return undefined;
  return {
    voteId: record._id,
    candidateId: record.candidateId,
    action: record.action,
    day: record.day,
    acceptedAt: new Date(record.acceptedAt),
  };
}

/**
 * What a participant's counted activity earns, rule by rule: a pure function of the activity, so
 * working it out again (a redelivered job, a pass after a crash, a void) gives the same grants,
 * by the same ids, and a vote that stops counting loses what it alone earned.
 *
 * - `first-of-day`: the first counted act of each day (the day the ranking counts it for).
 * - `every-nth`: the n-th, 2n-th, … counted vote; of likes, each candidate's first like counts
 *   once (liking, unliking and liking again earns nothing more).
 * - `milestone` and `campaign-end`: once per participant, while the campaign-wide trigger holds
 *   and they have a counted act for one of its candidates that stands: a like withdrawn since
 *   (unliked) no longer does, and liking again earns it back.
 * - A rule's `endsAt`: acts accepted after it earn nothing from it.
 * - A coupon rule gives at most the pool's per-participant number of codes, a lottery rule at
 *   most the lottery's number of tickets: those held already first, then first earned first.
 * - A paused rule gives nothing new: only the grants in `kept` (what it gave before) stay.
 *
 * @param activity the participant's counted acts, in any order
 */
export function desiredGrants(
  participantId: string,
  rules: readonly RewardRuleDoc[],
  /** Each coupon pool's and lottery's per-participant limit, by its id. */
  limits: ReadonlyMap<string, { perParticipant: number }>,
  activity: readonly CountedActivity[],
  kept: ReadonlySet<string>,
): DesiredGrant[] {
  const ordered = [...activity].sort(
    (a, b) => a.acceptedAt.getTime() - b.acceptedAt.getTime() || a.voteId.localeCompare(b.voteId),
  );
  const candidates: DesiredGrant[] = [];
  for (const rule of rules) {
    const acts = rule.endsAt ? ordered.filter((a) => a.acceptedAt <= new Date(rule.endsAt as Date)) : ordered;
    for (const { key, voteId } of triggered(rule, acts)) {
      const grantId = rewardGrantIdOf(rule._id, participantId, key);
      if (!rule.enabled && !kept.has(grantId)) continue;
      candidates.push({ grantId, ruleId: rule._id, key, voteId, reward: rule.reward });
    }
  }
  // A pool's (or lottery's) per-person limit: what is held already keeps its place (a vote
  // approved late must not take one from a code already given, or redeemed), then the rest in order.
  const room = new Map<string, number>();
  const allowed = new Set<string>();
  for (const keptFirst of [true, false]) {
    for (const c of candidates) {
      const limited = limitOf(c.reward);
      if (limited === undefined || kept.has(c.grantId) !== keptFirst) continue;
      const left = room.get(limited) ?? limits.get(limited)?.perParticipant ?? 0;
      if (left <= 0) continue;
      room.set(limited, left - 1);
      allowed.add(c.grantId);
    }
  }
  return candidates.filter((c) => limitOf(c.reward) === undefined || allowed.has(c.grantId));
}

/** The pool or lottery whose per-participant limit a reward counts against; points have none. */
const limitOf = (reward: RewardSpec): string | undefined =>
  reward.kind === 'coupon' ? reward.poolId : reward.kind === 'lottery' ? reward.lotteryId : undefined;

/**
 * The triggers a rule's acts make true, each with the act that made it. A campaign-wide trigger
 * (a milestone, the end) is true for the participant once it holds for the campaign (the rule's
 * `reached` or `endTop`, which the workers keep: triggers.ts) and they have a counted act for
 * one of its candidates that stands now (a like not withdrawn): their first such act earns it.
 * An end rule's top is fixed once the campaign's last votes are in, so after the end "now" is
 * the end.
 */
function triggered(rule: RewardRuleDoc, acts: readonly CountedActivity[]): { key: string; voteId: string }[] {
  const { trigger } = rule;
  if (trigger.kind === 'milestone' || trigger.kind === 'campaign-end') {
    const candidates =
      trigger.kind === 'milestone' ? (rule.reached ? [trigger.candidateId] : []) : (rule.endTop ?? []);
    const act = acts.find((a) => !a.withdrawn && candidates.includes(a.candidateId));
    if (!act) return [];
    const key = trigger.kind === 'milestone' ? `milestone:${trigger.count}` : `end:top${trigger.top}`;
    return [{ key, voteId: act.voteId }];
  }
  if (trigger.kind === 'first-of-day') {
    const days = new Map<string, string>();
    for (const act of acts) if (!days.has(act.day)) days.set(act.day, act.voteId);
    return [...days].map(([day, voteId]) => ({ key: `day:${day}`, voteId }));
  }
  const { n } = trigger;
  const liked = new Set<string>();
  const units = acts.filter((act) => {
    if (act.action === 'vote') return true;
    if (liked.has(act.candidateId)) return false;
    liked.add(act.candidateId);
    return true;
  });
  const out: { key: string; voteId: string }[] = [];
  for (let k = n; k <= units.length; k += n)
    out.push({ key: `nth:${k}`, voteId: units[k - 1]?.voteId ?? '' });
  return out;
}
