// Every generator's parameters ("knobs"), their defaults and the ranges a sweep draws them from.
// A knob a scenario does not set is today's constant (or the scenario's size), so a plan without
// knobs is the plan it always was; draws.ts draws each knob from its range for a sweep's seed.
import type { Scenario } from './scenario.js';

/** A number, or one that depends on the scenario (its duration, sizes, or knobs drawn before). */
type Bound = number | ((s: Scenario) => number);

export interface KnobSpec {
  /** Today's value. */
  def: Bound;
  /** The range a sweep draws from: `rel` multiplies the scenario's default, `abs` is the value. */
  range: { rel: readonly [number, number] } | { abs: readonly [Bound, Bound] };
  /** `int` rounds; `log` draws log-uniformly (for ranges over orders of magnitude). */
  kind: 'int' | 'real' | 'log';
  doc: string;
}

const at = (b: Bound, s: Scenario) => (typeof b === 'number' ? b : b(s));
const int = (def: Bound, lo: Bound, hi: Bound, doc: string): KnobSpec => ({
  def,
  range: { abs: [lo, hi] },
  kind: 'int',
  doc,
});
const real = (def: Bound, lo: Bound, hi: Bound, doc: string): KnobSpec => ({
  def,
  range: { abs: [lo, hi] },
  kind: 'real',
  doc,
});
const log = (def: Bound, lo: Bound, hi: Bound, doc: string): KnobSpec => ({
  def,
  range: { abs: [lo, hi] },
  kind: 'log',
  doc,
});
/** A size: the scenario's own, drawn from `lo`-`hi` times it. */
const size = (def: Bound, lo: number, hi: number, doc: string): KnobSpec => ({
  def,
  range: { rel: [lo, hi] },
  kind: 'int',
  doc,
});
/** At most a share of the run (a window must fit in the traffic), and at most `cap`. */
const runShare = (share: number, cap: number) => (s: Scenario) => Math.min(cap, share * s.durationMs);
/** A knob drawn before this one (by name, untyped: the table's own type depends on it). */
const peek = (s: Scenario, name: string): number =>
  s.knobs?.[name] ?? at((KNOBS as Readonly<Record<string, KnobSpec>>)[name]?.def ?? 0, s);
const sizes = (s: Scenario) => s.attacks;

const MIN = 60_000;

/** Knobs of the honest population and the crowds. */
const HONEST_KNOBS = {
  'honest.users': size((s) => s.honest.users, 0.8, 1.2, 'honest users'),
  'honest.offices': size((s) => s.honest.offices, 0.5, 2, 'offices and campuses (a /24 each)'),
  'honest.officeSizeMin': int(20, 10, 30, 'fewest users in an office'),
  'honest.officeSizeMax': int(40, 30, 80, 'most users in an office'),
  'honest.officeNatShare': real(0.6, 0.3, 0.95, 'share of an office behind its one NAT address'),
  'honest.ipv6Share': real(0.15, 0.05, 0.4, 'share of users on IPv6'),
  'honest.familyShare': real(0.05, 0.01, 0.12, 'share of devices a second account shares'),
  'honest.invitedShare': real(0.2, 0.05, 0.4, 'share of users brought by a friend’s link'),
  'honest.sameSubnetInvitee': real(0.1, 0.02, 0.35, 'share of invitees on the inviter’s /24'),
  'honest.quickShare': real(0.1, 0.02, 0.3, 'share of users whose later votes are quick taps'),
  'honest.ipChange': real(0.12, 0.03, 0.35, 'chance a later vote comes from another address'),
  'honest.hostCalls': int((s) => s.honest.hostCalls, 0, 4, 'host calls for votes'),
  'honest.hostCallWindowMs': log(
    (s) => s.honest.hostCallWindowMs,
    10_000,
    runShare(0.1, 10 * MIN),
    'a call’s window',
  ),
  'honest.hostCallShare': real(0.15, 0.05, 0.4, 'share of voters who come back at a call'),
  'honest.favourite': real(0.65, 0.35, 0.9, 'chance a later vote goes to the favourite'),
  'honest.dwellMedianMs': log(6_000, 2_500, 12_000, 'median dwell'),
  'honest.dwellSigma': real(0.6, 0.3, 1, 'dwell spread (log-normal σ)'),
  'honest.gapShare': log(0.12, 0.03, 0.3, 'median gap between a user’s votes, share of the run'),
  'live-crowd.attendees': size(600, 0.5, 1.5, 'attendees behind the venue’s one address'),
  'live-crowd.callAt': real(0.5, 0.15, 0.85, 'when the host calls, share of the run'),
  'live-crowd.windowMs': log(90_000, 30_000, runShare(0.2, 5 * MIN), 'all sign in and vote within'),
  'live-crowd.peakMs': log(
    20_000,
    5_000,
    60_000,
    'half of them scan within this of the call (more, near the window)',
  ),
  'live-crowd.stageShare': real(0.85, 0.5, 0.98, 'share of votes for the candidate on stage'),
  'live-crowd.votesMax': int(3, 1, 4, 'votes per attendee, 1 to this'),
  'live-crowd.newShare': real(0.9, 0.6, 1, 'share whose first vote here is at the event'),
  'live-crowd.fastShare': real(0.15, 0.02, 0.35, 'share of attendees who tap fast (0.8-2 s)'),
  'live-crowd.dwellMedianMs': log(4_000, 2_000, 9_000, 'median dwell of the others'),
  'live-crowd.familyShare': real(0.03, 0, 0.08, 'share of phones a second attendee shares'),
  'dense-campus.students': size(400, 0.5, 1.5, 'students'),
  'dense-campus.subnets': int(2, 1, 4, 'campus /24s'),
  'dense-campus.dorms': int(6, 2, 12, 'dorm NAT addresses per /24'),
  'dense-campus.natShare': real(0.5, 0.2, 0.85, 'share of students behind a dorm NAT'),
  'dense-campus.referralShare': real(0.35, 0.1, 0.6, 'share brought by a roommate’s link'),
  'dense-campus.sameNatReferral': real(0.3, 0.05, 0.7, 'share of those on the inviter’s NAT'),
  'dense-campus.classmateShare': real(0.6, 0.3, 0.9, 'share whose favourite is the classmate'),
  'dense-campus.topModelShare': real(0.5, 0.2, 0.85, 'share on the three most popular phones'),
  'dense-campus.sharedDeviceShare': real(0.08, 0.02, 0.15, 'share of phones two students share'),
  'dense-campus.tripleShare': real(0.1, 0, 0.25, 'of shared phones, share with a third account'),
  'dense-campus.dwellMedianMs': log(5_000, 2_000, 10_000, 'median dwell'),
  'cgnat-city.users': size(4_000, 0.5, 1.5, 'users behind carrier-grade NAT'),
  'cgnat-city.addresses': int(4, 1, 10, 'the carrier’s public addresses they share'),
  'cgnat-city.dwellMedianMs': log(6_000, 2_500, 12_000, 'median dwell'),
} as const satisfies Record<string, KnobSpec>;

/** Knobs of the seven first attacks. */
const FIRST_ATTACK_KNOBS = {
  'device-farm.accounts': size((s) => sizes(s)['device-farm'].accounts, 0.5, 2.5, 'accounts'),
  'device-farm.devices': int(
    1,
    1,
    (s) => Math.max(1, Math.ceil(peek(s, 'device-farm.accounts') / 3)),
    'devices (accounts/3: three on each)',
  ),
  'device-farm.ips': int((s) => sizes(s)['device-farm'].ips, 1, 12, 'mobile addresses'),
  'device-farm.fingerprintRandom': real(0, 0, 1, 'share of sessions with a random fingerprint'),
  'device-farm.dwellMedianMs': log(3_000, 1_200, 9_000, 'median dwell'),
  'device-farm.dwellSigma': real(0.5, 0.05, 0.9, 'dwell spread (σ)'),
  'device-farm.votesMax': int(3, 1, 6, 'votes per account, 1 to this'),
  'ip-farm.accounts': size((s) => sizes(s)['ip-farm'].accounts, 0.5, 2.5, 'accounts'),
  'ip-farm.ips': int((s) => sizes(s)['ip-farm'].ips, 1, 30, 'datacenter addresses'),
  'ip-farm.subnets': int(1, 1, 6, 'datacenter /24s they are spread over'),
  'ip-farm.fingerprintRandom': real(1, 0, 1, 'share of accounts with a random fingerprint'),
  'ip-farm.dwellMedianMs': log(3_000, 1_200, 9_000, 'median dwell'),
  'ip-farm.dwellSigma': real(0.5, 0.05, 0.9, 'dwell spread (σ)'),
  'proxy-rotation.accounts': size((s) => sizes(s)['proxy-rotation'].accounts, 0.5, 2.5, 'accounts'),
  'proxy-rotation.devices': int((s) => sizes(s)['proxy-rotation'].devices, 1, 20, 'phones'),
  'proxy-rotation.dwellMedianMs': log(3_000, 1_200, 9_000, 'median dwell'),
  'proxy-rotation.votesMax': int(3, 1, 6, 'votes per account, 1 to this'),
  'scripted-timing.accounts': size((s) => sizes(s)['scripted-timing'].accounts, 0.5, 3, 'accounts'),
  'scripted-timing.periodMs': log(
    (s) => sizes(s)['scripted-timing'].periodMs,
    1_500,
    runShare(0.01, 10 * MIN),
    'period',
  ),
  'scripted-timing.jitter': log(0.02, 0.005, 0.3, 'period jitter (±share)'),
  'scripted-timing.dwellMinMs': log(150, 100, 2_500, 'shortest dwell'),
  'scripted-timing.dwellSpanMs': log(100, 20, 3_000, 'dwell range above the shortest'),
  'burst.accounts': size((s) => sizes(s).burst.accounts, 0.5, 2, 'accounts'),
  'burst.windowMs': log(
    (s) => sizes(s).burst.windowMs,
    runShare(0.02, 15_000),
    runShare(0.4, 15 * MIN),
    'window',
  ),
  'burst.startAt': real(0.6, 0.1, 0.8, 'start, share of the run'),
  'burst.dwellMinMs': log(300, 150, 4_000, 'shortest dwell'),
  'burst.dwellSpanMs': log(600, 100, 8_000, 'dwell range above the shortest'),
  'slow-drip.accounts': size((s) => sizes(s)['slow-drip'].accounts, 0.5, 2.5, 'accounts'),
  'slow-drip.devices': int((s) => sizes(s)['slow-drip'].devices, 1, 10, 'phones'),
  'slow-drip.subnets': int((s) => sizes(s)['slow-drip'].subnets, 1, 8, '/24s they rotate over'),
  'slow-drip.gapMin': real(0.25, 0.02, 0.3, 'shortest gap, share of the run'),
  'slow-drip.gapMax': real(
    0.5,
    (s) => peek(s, 'slow-drip.gapMin') * 1.2,
    0.6,
    'longest gap, share of the run',
  ),
  'slow-drip.dwellMedianMs': log(6_000, 2_000, 12_000, 'median dwell'),
  'referral-ring.accounts': size((s) => sizes(s)['referral-ring'].accounts, 0.5, 2, 'accounts in the chain'),
  'referral-ring.devices': int((s) => sizes(s)['referral-ring'].devices, 1, 8, 'phones'),
  'referral-ring.revote': real(0.5, 0, 1, 'chance of a second vote'),
  'referral-ring.span': real(0.75, 0.1, 0.85, 'the chain’s length, share of the run'),
  'referral-ring.dwellMedianMs': log(3_000, 1_200, 9_000, 'median dwell'),
} as const satisfies Record<string, KnobSpec>;

/** Knobs of the attacks added for sweeps. */
const NEW_ATTACK_KNOBS = {
  'lockstep-cohort.accounts': size(60, 0.4, 2, 'cohort size'),
  'lockstep-cohort.waves': int(4, 2, 8, 'waves'),
  'lockstep-cohort.waveGapMs': log(5 * MIN, 30_000, runShare(0.1, 30 * MIN), 'gap between waves'),
  'lockstep-cohort.jitterMs': log(800, 100, 5_000, 'spread of a wave (each vote within ± half)'),
  'lockstep-cohort.addressSpread': real(0.9, 0.2, 1, 'distinct addresses per account'),
  'lockstep-cohort.waveShare': real(1, 0.5, 1, 'share of the cohort in each wave'),
  'lockstep-cohort.dwellMedianMs': log(2_500, 1_100, 8_000, 'median dwell'),
  'emulator-farm.accounts': size(50, 0.4, 2, 'accounts'),
  'emulator-farm.dwellCentreMs': log(2_000, 1_100, 8_000, 'the dwell every account shows'),
  'emulator-farm.tightness': log(0.03, 0.005, 0.12, 'dwell spread (± share of the centre)'),
  'emulator-farm.fingerprintRandom': real(1, 0.3, 1, 'share with a random fingerprint'),
  'emulator-farm.addressSpread': real(0.8, 0.2, 1, 'distinct addresses per account'),
  'emulator-farm.votesMax': int(3, 1, 5, 'votes per account, 1 to this'),
  'referral-tree.fanOut': size(40, 0.4, 2, 'invitees of the one inviter'),
  'referral-tree.windowMs': log(5 * MIN, MIN, runShare(0.2, 30 * MIN), 'all invitees vote within'),
  'referral-tree.addressSpread': real(1, 0.3, 1, 'share of invitees off the inviter’s /24'),
  'referral-tree.dwellMedianMs': log(2_500, 1_100, 8_000, 'median dwell'),
  'adaptive.accounts': size(30, 0.5, 2, 'accounts bought'),
  'adaptive.deviceHeadroom': int(0, 0, 2, 'accounts per phone below the most the device rule allows'),
  'adaptive.ipHeadroom': int(0, 0, 3, 'accounts per address below the most the address rules allow'),
  'adaptive.votesPerAccount': int(4, 2, 8, 'votes per account over the run'),
  'adaptive.dwellMedianMs': log(3_500, 1_800, 9_000, 'median dwell (above fastTap)'),
  'framing.accounts': size(6, 0.6, 3, 'fast new accounts on the shared address'),
  'framing.supporters': size(40, 0.4, 2, 'real supporters of the rival on that address'),
  'framing.windowMs': log(MIN, 10_000, runShare(0.1, 10 * MIN), 'the attack’s window'),
  'framing.natShare': real(0.7, 0.4, 1, 'share of supporters on the one NAT address'),
  'framing.dwellMaxMs': log(900, 400, 3_000, 'longest dwell of the attack’s taps'),
} as const satisfies Record<string, KnobSpec>;

/**
 * Knobs of the campaign's opening rush, a crowd added after the others: drawn last, so that
 * every earlier knob keeps the value a seed drew for it before.
 */
const OPENING_KNOBS = {
  'opening-rush.participants': size(800, 0.5, 2, 'participants waiting for voting to open'),
  'opening-rush.peakMs': log(
    10_000,
    2_000,
    MIN,
    'half of them open it within this of the start (more, near the window)',
  ),
  'opening-rush.windowMs': log(2 * MIN, 30_000, runShare(0.1, 10 * MIN), 'all of them arrive within'),
  'opening-rush.votesMax': int(3, 1, 6, 'votes per participant, 1 to this'),
  'opening-rush.dwellMedianMs': log(3_000, 1_500, 8_000, 'median dwell (the list is read already)'),
  'opening-rush.wifiShare': real(0.3, 0.1, 0.6, 'share on a Wi-Fi shared by about 12'),
} as const satisfies Record<string, KnobSpec>;

/**
 * Knobs of a live show in rounds (the live crowd's later calls), added after the opening rush and
 * drawn after it for the same reason. One round is the live crowd as it always was.
 */
const ROUNDS_KNOBS = {
  'live-crowd.rounds': int(1, 1, 3, 'rounds of the show, a call each; the attendees vote again'),
  'live-crowd.roundGapMs': log(15 * MIN, 3 * MIN, runShare(0.3, 60 * MIN), 'from a round’s call to the next'),
  'live-crowd.sameStage': real(0.3, 0, 1, 'chance a later round calls for the same candidate'),
} as const satisfies Record<string, KnobSpec>;

/**
 * Knobs of a popular sharer's group chats (the group share), added after the rounds and drawn
 * after them, so every earlier knob keeps its draws.
 */
const GROUP_SHARE_KNOBS = {
  'group-share.friends': size(40, 0.4, 2, 'friends who come through the one sharer’s link'),
  'group-share.windowMs': log(5 * MIN, MIN, runShare(0.2, 30 * MIN), 'they arrive within'),
  'group-share.wifiShare': real(0.2, 0, 0.5, 'share on the group’s office or campus Wi-Fi'),
  'group-share.dwellMedianMs': log(4_000, 2_000, 9_000, 'median dwell'),
} as const satisfies Record<string, KnobSpec>;

export const KNOBS: Readonly<Record<KnobName, KnobSpec>> = {
  ...HONEST_KNOBS,
  ...FIRST_ATTACK_KNOBS,
  ...NEW_ATTACK_KNOBS,
  ...OPENING_KNOBS,
  ...ROUNDS_KNOBS,
  ...GROUP_SHARE_KNOBS,
};
export type KnobName =
  | keyof typeof HONEST_KNOBS
  | keyof typeof FIRST_ATTACK_KNOBS
  | keyof typeof NEW_ATTACK_KNOBS
  | keyof typeof OPENING_KNOBS
  | keyof typeof ROUNDS_KNOBS
  | keyof typeof GROUP_SHARE_KNOBS;
export const KNOB_NAMES = Object.keys(KNOBS) as KnobName[];

/** A knob's value in a scenario: the scenario's own, or today's default. */
export function knob(s: Scenario, name: KnobName): number {
  return s.knobs?.[name] ?? at(KNOBS[name].def, s);
}

/** A knob's range in a scenario (inclusive), from its default and the knobs drawn before it. */
export function knobRange(s: Scenario, name: KnobName): [number, number] {
  const { range } = KNOBS[name];
  if ('rel' in range) {
    const base = knob(s, name);
    return [Math.max(1, Math.round(base * range.rel[0])), Math.max(1, Math.round(base * range.rel[1]))];
  }
  // A bound tied to the run's length may fall below the fixed one in a short run: the run wins.
  const hi = at(range.abs[1], s);
  return [Math.min(at(range.abs[0], s), hi), hi];
}
