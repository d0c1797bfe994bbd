// The arithmetic of the crowd-level signals the rules read (rules.ts): when a network's accounts
// look like a farm rather than a crowd, when an account counts as new here, how much of a
// candidate's new accounts WeChat doubts, how far first votes' dwell times stand out.
import { RISK_WINDOWS, type RiskFeatures } from '../protocol/risk.js';

/**
 * The share of a network's accounts for a candidate that have evidence of their own, below which
 * the network is a crowd (an office, a venue, a campus) and not a farm.
 */
const SUSPECT_SHARE = 0.3;
export const suspicious = (suspects: number, accounts: number) => suspects >= SUSPECT_SHARE * accounts;
/**
 * A network's suspicion reaches only accounts new here (first vote within newAccountMs): a
 * farm's accounts are, and a framer's neighbours who voted before it are not.
 */
export const isNew = (f: RiskFeatures) => f.accountAgeMs <= RISK_WINDOWS.newAccountMs;
/** The fewest dwell twins within 5% (over 2 minutes) that can make tight dwell. */
const TWINS_MIN_VOTES = 8;
/** The fewest new accounts WeChat doubts that can make a risky cohort. */
const RISKY_MIN_ACCOUNTS = 5;
/** The fewest first votes over the day above the local density around a dwell that can make tight dwell. */
const DAY_TWINS_MIN_VOTES = 10;
/** How many standard deviations of chance the day's excess of dwell twins must stand out by. */
const DAY_TWINS_Z = 3;

/**
 * The least share of a bunched moment's votes that must come from voters in a wave before for
 * it to be a cohort's return: a script brings its cohort back (half of it at least, in the
 * simulator's draws), a crowd called again brings back the few who happened to be first before.
 * Tuned on the sweep's tuning split: 0.3 and 0.5 both kept a show in rounds unheld, and 0.5 let
 * some lockstep waves through.
 */
const COHORT_RETURNING_SHARE = 0.3;
/**
 * The accounts an address carries in 10 minutes from which it is a crowd's NAT (a venue, an
 * office): the `ipAccounts` rule's default threshold.
 */
const CROWD_NAT_ACCOUNTS = 15;
/**
 * Behind a crowd's NAT, the share of a bunched moment's votes from voters in a wave before that
 * makes it a cohort's return. A venue's audience answers every call at once from its one address,
 * and at a later call of a sharp crowd 30-40% of the first seconds were quick before too (the
 * tuning split's worst show); a script's cohort come back whole is most of its wave.
 * Tuned on the tuning split (24 draws): 0.4, 0.6 and 0.8 all spared the show and moved no attack.
 */
const NAT_RETURNING_SHARE = 0.6;
/**
 * Whether a bunched moment is a cohort come back (records measured before the count: yes): a
 * third of it voters from a wave before, or behind a crowd's NAT, six tenths.
 */
export const cohortWave = (f: RiskFeatures) =>
  f.syncedReturning === undefined ||
  f.syncedReturning >=
    (f.ipAccounts < CROWD_NAT_ACCOUNTS ? COHORT_RETURNING_SHARE : NAT_RETURNING_SHARE) * f.syncedVotes;

/** The larger of the 10-minute and the day's share of a candidate's new accounts WeChat doubts. */
export function riskyShare(f: RiskFeatures): number {
  const recent = f.candidateRiskyNew >= RISKY_MIN_ACCOUNTS ? f.candidateRiskyNewShare : 0;
  const day =
    f.candidateDayRiskyNew >= RISKY_MIN_ACCOUNTS
      ? f.candidateDayRiskyNew / Math.max(f.candidateDayNew, 1)
      : 0;
  return Math.max(recent, day);
}

/**
 * How far a candidate's first votes tapped like this one stand out: over the last 2 minutes,
 * their share of its first votes; over the day, the share of the twins (the dwell's bucket and the
 * two beside it, 10% or 2% wide) above what the buckets a little further away on either side
 * would put there.
 * Humans spread smoothly, whatever their usual dwell; an emulator's script makes a spike, and a
 * tight one stands out of people's densest dwell only at 2%.
 */
export function twinShare(f: RiskFeatures): number {
  return strongestTwins(f)?.share ?? 0;
}

/** One of tight dwell's measures: its share, the twins it counted, and how near a twin is. */
export interface TwinMeasure {
  share: number;
  twins: number;
  /** Within 5% over the last 2 minutes, or within 30% (10% buckets) or 6% (2% ones) over the day. */
  within: '5%' | '30%' | '6%';
}

/** Tight dwell's measure with the largest share, or undefined when none stands out. */
export function strongestTwins(f: RiskFeatures): TwinMeasure | undefined {
  const recent = f.dwellTwins >= TWINS_MIN_VOTES ? f.dwellTwins / Math.max(f.recentFirstVotes, 1) : 0;
  const measures: TwinMeasure[] = [{ share: recent, twins: f.dwellTwins, within: '5%' }];
  // The day is for a cohort spread over hours: in a candidate's first two minutes it is the same
  // votes as the recent window, whose stricter share judges them (a crowd at a campaign's opening).
  if (f.candidateAgeMs >= RISK_WINDOWS.spikeMs) {
    measures.push({
      share: dayExcessShare(f.dayDwellTwins, f.dayDwellAround, 3 / 8),
      twins: f.dayDwellTwins,
      within: '30%',
    });
    measures.push({
      share: dayExcessShare(f.dayFineTwins, f.dayFineAround, 3 / 12),
      twins: f.dayFineTwins,
      within: '6%',
    });
  }
  const [top] = measures.sort((a, b) => b.share - a.share);
  return top && top.share > 0 ? top : undefined;
}

/**
 * The share of a dwell's day twins above what the buckets a little further away would put there
 * (`perAround`: the twins' width over theirs), or 0 when the excess does not stand out: it must
 * be DAY_TWINS_MIN_VOTES or more, and DAY_TWINS_Z standard deviations of the two counts'
 * difference. A candidate's first votes are tested at every dwell all day, and early on a few
 * dozen people's dwell times bunch by chance somewhere.
 */
function dayExcessShare(twins: number, around: number, perAround: number): number {
  const excess = twins - perAround * around;
  const spread = Math.sqrt(twins + perAround * perAround * around);
  return excess >= DAY_TWINS_MIN_VOTES && excess >= DAY_TWINS_Z * spread ? excess / twins : 0;
}
