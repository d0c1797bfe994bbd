// The honest population, with the cases that make false positives: shared phone models
// (fingerprints), family phones, office and campus NATs, carrier addresses that change, quick
// returning voters, bursts when a host calls for votes, and real friend referrals.
import { type Account, rankFrom, Script } from './actions.js';
import { knob } from './knobs.js';
import { carrierSubnet, carrierV6Prefix, type Device, hostIn, hostInV6, mobileIp, phone } from './network.js';
import { Rng } from './random.js';
import { candidateIds, type Scenario } from './scenario.js';

/** Honest WeChat risk ranks: ~96% 0, 3% 1, 1% 2. */
export const HONEST_RANKS = [96, 3, 1, 0, 0] as const;
/** Votes per user (1-5), weights. */
const VOTES_PER_USER = [30, 25, 20, 15, 10] as const;

/** The population's knobs (knobs.ts: `honest.*`), read once. */
function paramsOf(s: Scenario) {
  return {
    users: knob(s, 'honest.users'),
    offices: knob(s, 'honest.offices'),
    officeSize: [knob(s, 'honest.officeSizeMin'), knob(s, 'honest.officeSizeMax')] as const,
    officeNat: knob(s, 'honest.officeNatShare'),
    ipv6: knob(s, 'honest.ipv6Share'),
    /** Share of devices used by two accounts (a family phone). */
    family: knob(s, 'honest.familyShare'),
    /** Share of users who arrive through a friend's share link. */
    invited: knob(s, 'honest.invitedShare'),
    /** Of those, the share on the same office or home subnet as their friend. */
    sameSubnetInvitee: knob(s, 'honest.sameSubnetInvitee'),
    /** Share of users whose later votes are quick (0.8-2 s dwell): they know where to tap. */
    quick: knob(s, 'honest.quickShare'),
    /** Chance that a later vote comes from another carrier address (moved, switched networks). */
    ipChange: knob(s, 'honest.ipChange'),
    hostCalls: knob(s, 'honest.hostCalls'),
    hostCallWindowMs: knob(s, 'honest.hostCallWindowMs'),
    /** Share of the users who have voted that come back when a host calls for votes. */
    hostCallShare: knob(s, 'honest.hostCallShare'),
    /** Chance that a vote goes to the user's favourite rather than a popularity draw. */
    favourite: knob(s, 'honest.favourite'),
    dwellMedianMs: knob(s, 'honest.dwellMedianMs'),
    dwellSigma: knob(s, 'honest.dwellSigma'),
    /** Median gap between a user's votes, as a share of the run. */
    gapShare: knob(s, 'honest.gapShare'),
  };
}
type Params = ReturnType<typeof paramsOf>;

type Network =
  | { kind: 'mobile'; home: string }
  | { kind: 'v6'; prefix: string }
  | { kind: 'office'; subnet: string; ip: string };

interface User {
  account: Account;
  device: Device;
  network: Network;
  arrival: number;
  favourite: string;
  quick: boolean;
  invitedBy?: User;
  sharedAt?: number;
}

/**
 * A day, compressed into the run: quiet morning, a lunch bump, the evening peak. `t` in [0, 1]
 * maps to 07:00-24:00; the answer is a relative rate.
 */
function dailyRhythm(t: number): number {
  const h = 7 + 17 * t;
  const bump = (mu: number, s: number) => Math.exp(-((h - mu) ** 2) / (2 * s * s));
  return 0.25 + 0.7 * bump(8.5, 1) + 0.9 * bump(12.5, 1) + 1.3 * bump(21, 1.6);
}

/** A time in [from, to) drawn with density `dailyRhythm` over the run (rejection sampling). */
export function rhythmTime(rng: Rng, durationMs: number, from: number, to: number): number {
  for (;;) {
    const at = rng.uniform(from, to);
    if (rng.uniform(0, 1.7) < dailyRhythm(at / durationMs)) return at;
  }
}

/** Candidate popularity: a Zipf-like draw, c01 the favourite of most. */
export function popularity(count: number): number[] {
  return Array.from({ length: count }, (_, i) => 1 / (i + 1) ** 0.9);
}

function ipOf(rng: Rng, p: Params, network: Network, later: boolean): string {
  switch (network.kind) {
    case 'office':
      return network.ip;
    case 'v6':
      return hostInV6(rng, network.prefix);
    case 'mobile':
      return later && rng.chance(p.ipChange) ? mobileIp(rng) : network.home;
  }
}

/** A person's dwell: log-normal (6 s median, σ 0.6 by default), 0.6 s to 3 min. */
export function humanDwell(rng: Rng, medianMs = 6_000, sigma = 0.6): number {
  return Math.min(180_000, rng.lognormalAbove(medianMs, sigma, 600));
}

/** What the honest population draws its votes from: the candidates and how popular each is. */
export interface Choices {
  candidates: string[];
  weights: number[];
}

export const popularPick = (rng: Rng, { candidates, weights }: Choices) =>
  candidates[rng.weighted(weights)] as string;

/** Offices and campuses: 20-40 users on one /24, most behind one NAT address. */
function officeNetworks(rng: Rng, p: Params): Network[] {
  const networks: Network[] = [];
  for (let o = 0; o < p.offices; o++) {
    const subnet = carrierSubnet(rng);
    const nat = hostIn(rng, subnet);
    const size = rng.int(...p.officeSize);
    for (let i = 0; i < size; i++) {
      networks.push({ kind: 'office', subnet, ip: rng.chance(p.officeNat) ? nat : hostIn(rng, subnet) });
    }
  }
  return networks;
}

/** The users: office seats first, then phones on the move; the last few share a family phone. */
function honestUsers(rng: Rng, script: Script, p: Params, D: number, choices: Choices): User[] {
  const count = p.users;
  const offered = officeNetworks(rng, p);
  const users: User[] = [];
  const familyPairs = Math.round((count * p.family) / (1 + p.family));
  for (let i = 0; i < count; i++) {
    const account = script.account(`h${String(i).padStart(5, '0')}`, rankFrom(rng.next(), HONEST_RANKS));
    const partner = i >= count - familyPairs ? users[rng.int(0, count - familyPairs - 1)] : undefined;
    const network: Network = partner
      ? partner.network
      : (offered[i] ??
        (rng.chance(p.ipv6)
          ? { kind: 'v6', prefix: carrierV6Prefix(rng) }
          : { kind: 'mobile', home: mobileIp(rng) }));
    users.push({
      account,
      // A family phone: the same install (id and fingerprint) under a second WeChat account.
      device: partner ? partner.device : phone(rng),
      network,
      arrival: rhythmTime(rng, D, 2_000, D * 0.95),
      favourite: popularPick(rng, choices),
      quick: rng.chance(p.quick),
    });
  }
  return users;
}

/** Friend referrals: an earlier user shares their favourite; the friend arrives through it. */
function inviteFriends(rng: Rng, p: Params, users: User[]): void {
  const byArrival = [...users].sort((a, b) => a.arrival - b.arrival);
  for (const [index, user] of byArrival.entries()) {
    if (index === 0 || !rng.chance(p.invited)) continue;
    const earlier = byArrival.slice(0, index).filter((u) => u.arrival + 4_000 < user.arrival && !u.invitedBy);
    if (earlier.length === 0) continue;
    const inviter = rng.pick(earlier);
    inviter.sharedAt ??= inviter.arrival + rng.uniform(500, 3_000);
    if (inviter.sharedAt + 1_000 > user.arrival) continue;
    user.invitedBy = inviter;
    user.favourite = inviter.favourite;
    const inviterNet = inviter.network;
    if (rng.chance(p.sameSubnetInvitee) && inviterNet.kind !== 'v6' && user.device !== inviter.device) {
      const subnet =
        inviterNet.kind === 'office' ? inviterNet.subnet : inviterNet.home.split('.').slice(0, 3).join('.');
      user.network = { kind: 'office', subnet, ip: hostIn(rng, subnet) };
    }
  }
}

/** Each user signs in, votes 1-5 times and shares if a friend came through them; answers their first votes' times. */
function scriptVisits(
  rng: Rng,
  script: Script,
  p: Params,
  users: User[],
  D: number,
  choices: Choices,
): Map<User, number> {
  const firstVotes = new Map<User, number>();
  for (const user of users) {
    const n = 1 + rng.weighted(VOTES_PER_USER);
    let at = user.arrival;
    const firstDwell = humanDwell(rng, p.dwellMedianMs, p.dwellSigma);
    script.login(
      at - Math.min(firstDwell, 5_000) - rng.uniform(300, 1_500),
      user.account,
      ipOf(rng, p, user.network, false),
      user.device,
    );
    firstVotes.set(user, at);
    for (let v = 0; v < n && at < D; v++) {
      const later = v > 0;
      const candidateId = v === 0 || rng.chance(p.favourite) ? user.favourite : popularPick(rng, choices);
      script.vote(at, user.account, {
        candidateId,
        ip: ipOf(rng, p, user.network, later),
        device: user.device,
        dwellMs:
          later && user.quick
            ? rng.uniform(800, 2_000)
            : v === 0
              ? firstDwell
              : humanDwell(rng, p.dwellMedianMs, p.dwellSigma),
        sharedBy: v === 0 ? user.invitedBy?.account.id : undefined,
      });
      at += Math.min(D, rng.lognormal(D * p.gapShare, 0.8)) + 1_000;
    }
    if (user.sharedAt !== undefined) {
      script.share(
        user.sharedAt,
        user.account,
        user.favourite,
        ipOf(rng, p, user.network, false),
        user.device,
      );
    }
  }
  return firstVotes;
}

/** A host calls for votes: users who have voted come back within the window. */
function scriptHostCalls(
  rng: Rng,
  script: Script,
  p: Params,
  D: number,
  users: User[],
  firstVotes: Map<User, number>,
  choices: Choices,
): void {
  const { hostCalls, hostCallWindowMs } = p;
  for (let k = 0; k < hostCalls; k++) {
    const start = D * (hostCalls === 1 ? 0.5 : 0.45 + (0.3 * k) / (hostCalls - 1));
    for (const user of users) {
      const first = firstVotes.get(user);
      if (first === undefined || first > start - 3_000 || !rng.chance(p.hostCallShare)) continue;
      script.vote(start + rng.uniform(0, hostCallWindowMs), user.account, {
        candidateId: rng.chance(0.5) ? user.favourite : popularPick(rng, choices),
        ip: ipOf(rng, p, user.network, true),
        device: user.device,
        dwellMs: rng.lognormalAbove(4_000, 0.5, 600),
      });
    }
  }
}

/** The honest users of a scenario and everything they do. */
export function honestPopulation(seed: number, scenario: Scenario): Script {
  const rng = Rng.stream(seed, 'honest');
  const script = new Script('honest');
  const candidates = candidateIds(scenario);
  const choices: Choices = { candidates, weights: popularity(candidates.length) };
  const p = paramsOf(scenario);
  const D = scenario.durationMs;
  const users = honestUsers(rng, script, p, D, choices);
  inviteFriends(rng, p, users);
  const firstVotes = scriptVisits(rng, script, p, users, D, choices);
  scriptHostCalls(rng, script, p, D, users, firstVotes, choices);
  return script;
}
