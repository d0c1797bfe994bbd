// Honest crowds that look dense: a live event's attendees behind the venue's one address, a
// campus with roommate referrals (campus.ts), a city behind carrier-grade NAT, an audience that
// opens the campaign the moment voting starts, a popular sharer's group chats (group-share.ts).
// Every vote is real.
import { type Account, Script } from './actions.js';
import { denseCampus } from './campus.js';
import { groupShare } from './group-share.js';
import { knob } from './knobs.js';
import { carrierSubnet, type Device, hostIn, mobileIp, phone } from './network.js';
import { humanDwell, popularity, popularPick, rhythmTime } from './population.js';
import { Rng } from './random.js';
import { type Crowd, candidateIds, crowdTargetOf, type Scenario } from './scenario.js';
import {
  arrivalAfter,
  type CrowdCtx,
  honestAccount,
  invite,
  scriptVisitors,
  type Visitor,
} from './visits.js';

/**
 * The venue: attendees scan the big screen's code at the host's call, sign in behind the venue's
 * one public address and vote 1-3 times within about 90 s, mostly for the candidate on stage.
 * Most are new here; some voted earlier in the day from their own phones' networks. A show in
 * rounds calls again (laterRounds).
 */
function liveCrowd(c: CrowdCtx): void {
  const { rng, script, D } = c;
  const k = (name: Parameters<typeof knob>[1]) => knob(c.scenario, name);
  // In a run shorter than the window (small), the crowd fits in the run.
  const windowMs = Math.min(k('live-crowd.windowMs'), 0.8 * D);
  const call = Math.max(2_000, Math.min(k('live-crowd.callAt') * D, D - windowMs - 1_000));
  const venue = hostIn(rng, carrierSubnet(rng));
  const peak = k('live-crowd.peakMs');
  const stage = c.target ?? popularPick(rng, c.choices);
  const [fastShare, familyShare, newShare] = [
    k('live-crowd.fastShare'),
    k('live-crowd.familyShare'),
    k('live-crowd.newShare'),
  ];
  let previous: Device | undefined;
  const attendees: Attendee[] = [];
  for (let i = 0; i < k('live-crowd.attendees'); i++) {
    const account = honestAccount(rng, script, 'lv', i);
    // A couple on one phone: the previous attendee's, handed over.
    const handedOver = previous !== undefined && rng.chance(familyShare);
    const device = handedOver && previous ? previous : phone(rng);
    // Two on a phone at most: a handed-over phone is not handed on again.
    previous = handedOver ? undefined : device;
    const fast = rng.chance(fastShare);
    const dwell = () =>
      fast ? rng.uniform(800, 2_000) : humanDwell(rng, k('live-crowd.dwellMedianMs'), 0.5);
    const pick = () => (rng.chance(k('live-crowd.stageShare')) ? stage : popularPick(rng, c.choices));
    // Half scan within `peak` of the call, the rest trail off; all sign in with room to vote.
    const scan = arrivalAfter(rng, peak, windowMs * 0.75);
    const at = call + scan;
    if (rng.chance(newShare)) script.login(at, account, venue, device);
    else {
      // Voted earlier today from their own network; at the venue, signed in already.
      const earlier = rng.uniform(1_000, Math.max(1_500, call - 60_000));
      const home = mobileIp(rng);
      script.login(earlier - rng.uniform(2_000, 6_000), account, home, device);
      script.vote(earlier, account, { candidateId: pick(), ip: home, device, dwellMs: humanDwell(rng) });
    }
    const attendee = { account, device, dwell };
    tapAtVenue(c, attendee, at + rng.uniform(1_500, 4_000), call + windowMs, venue, pick);
    attendees.push(attendee);
  }
  laterRounds(c, { call, windowMs, peak, venue, stage, attendees });
}

interface Attendee {
  account: Account;
  device: Device;
  dwell: () => number;
}

/** An attendee's 1 to `votesMax` votes at the venue from `from`, seconds apart, until `end`. */
function tapAtVenue(
  c: CrowdCtx,
  { account, device, dwell }: Attendee,
  from: number,
  end: number,
  venue: string,
  pick: () => string,
): void {
  const votes = c.rng.int(1, knob(c.scenario, 'live-crowd.votesMax'));
  let at = from;
  for (let v = 0; v < votes && at < end; v++) {
    const dwellMs = dwell();
    c.script.vote(at, account, { candidateId: pick(), ip: venue, device, dwellMs });
    at += dwellMs + c.rng.uniform(3_000, 12_000);
  }
}

/**
 * A show in rounds: each later call, `roundGapMs` after the one before, puts a candidate on stage
 * (the same one by `sameStage`, else another the audience likes), and every attendee still there
 * votes again as at the first call, signed in already. Drawn after the first round, so one round
 * is the crowd it always was.
 */
function laterRounds(
  c: CrowdCtx,
  first: {
    call: number;
    windowMs: number;
    peak: number;
    venue: string;
    stage: string;
    attendees: Attendee[];
  },
): void {
  const { rng, D } = c;
  const k = (name: Parameters<typeof knob>[1]) => knob(c.scenario, name);
  let stage = first.stage;
  for (let round = 2; round <= k('live-crowd.rounds'); round++) {
    const call = first.call + (round - 1) * k('live-crowd.roundGapMs');
    if (call + first.windowMs >= D) break;
    if (!rng.chance(k('live-crowd.sameStage'))) {
      for (let tries = 0; tries < 20; tries++) {
        const next = popularPick(rng, c.choices);
        if (next !== stage) {
          stage = next;
          break;
        }
      }
    }
    const pick = () => (rng.chance(k('live-crowd.stageShare')) ? stage : popularPick(rng, c.choices));
    for (const attendee of first.attendees) {
      const at = call + arrivalAfter(rng, first.peak, first.windowMs * 0.75) + rng.uniform(1_500, 4_000);
      tapAtVenue(c, attendee, at, call + first.windowMs, first.venue, pick);
    }
  }
}

/**
 * A city behind carrier-grade NAT: thousands of ordinary users over the day sharing a handful
 * of public addresses (CGNAT may move a user between them), so one address may carry hundreds
 * of accounts in ten minutes.
 */
function cgnatCity(c: CrowdCtx): void {
  const { rng, script, D } = c;
  const s = c.scenario;
  const count = knob(s, 'cgnat-city.addresses');
  const subnets = Array.from({ length: Math.ceil(count / 4) }, () => carrierSubnet(rng));
  const pool = Array.from({ length: count }, (_, j) => hostIn(rng, subnets[j % subnets.length] as string));
  const family = knob(s, 'honest.familyShare');
  const quick = knob(s, 'honest.quickShare');
  const visitors: Visitor[] = [];
  // A family phone has two accounts, never more: a partner is someone whose phone no one shares yet.
  const shared = new Set<Device>();
  for (let i = 0; i < knob(s, 'cgnat-city.users'); i++) {
    const home = rng.pick(pool);
    let partner = visitors.length > 0 && rng.chance(family) ? rng.pick(visitors) : undefined;
    if (partner && shared.has(partner.device)) partner = undefined;
    if (partner) shared.add(partner.device);
    visitors.push({
      account: honestAccount(rng, script, 'cg', i),
      device: partner ? partner.device : phone(rng),
      ip: (later) => (later && rng.chance(0.3) ? rng.pick(pool) : home),
      arrival: rhythmTime(rng, D, 2_000, D * 0.95),
      favourite: popularPick(rng, c.choices),
      quick: rng.chance(quick),
    });
  }
  invite(rng, visitors, knob(s, 'honest.invitedShare'), (_, earlier) => rng.pick(earlier));
  scriptVisitors(rng, script, visitors, D, {
    dwellMedianMs: knob(s, 'cgnat-city.dwellMedianMs'),
    dwellSigma: knob(s, 'honest.dwellSigma'),
    gapShare: knob(s, 'honest.gapShare'),
    favourite: knob(s, 'honest.favourite'),
    choices: c.choices,
  });
}

/**
 * A campaign's opening: an audience told when voting starts opens the mini-program at that
 * moment, so a candidate's first seconds go from no votes at all to many. Each taps through the
 * list they have read already, 1 to a few votes seconds apart, from their own carrier address or
 * a home's or café's Wi-Fi that about a dozen of them share.
 */
function openingRush(c: CrowdCtx): void {
  const { rng, script, D } = c;
  const k = (name: Parameters<typeof knob>[1]) => knob(c.scenario, name);
  const participants = k('opening-rush.participants');
  const windowMs = Math.min(k('opening-rush.windowMs'), 0.5 * D);
  const peak = k('opening-rush.peakMs');
  const wifiShare = k('opening-rush.wifiShare');
  const wifi = Array.from({ length: Math.max(1, Math.round((participants * wifiShare) / 12)) }, () =>
    hostIn(rng, carrierSubnet(rng)),
  );
  for (let i = 0; i < participants; i++) {
    const account = honestAccount(rng, script, 'op', i);
    const device = phone(rng);
    const ip = rng.chance(wifiShare) ? rng.pick(wifi) : mobileIp(rng);
    // Half open it within `peak` of the start, the rest trail off.
    let at = 1_000 + arrivalAfter(rng, peak, windowMs * 0.75);
    script.login(at, account, ip, device);
    at += rng.uniform(800, 2_500);
    const votes = rng.int(1, k('opening-rush.votesMax'));
    for (let v = 0; v < votes && at < 1_000 + windowMs; v++) {
      const dwellMs = humanDwell(rng, k('opening-rush.dwellMedianMs'), 0.5);
      script.vote(at, account, { candidateId: popularPick(rng, c.choices), ip, device, dwellMs });
      at += dwellMs + rng.uniform(300, 3_000);
    }
  }
}

const GENERATORS: Readonly<Record<Crowd, (c: CrowdCtx) => void>> = {
  'live-crowd': liveCrowd,
  'dense-campus': denseCampus,
  'cgnat-city': cgnatCity,
  'opening-rush': openingRush,
  'group-share': groupShare,
};

/** One crowd's accounts and actions in a scenario, from a random stream of its own. */
export function crowdScript(seed: number, scenario: Scenario, crowd: Crowd): Script {
  const script = new Script(crowd);
  const candidates = candidateIds(scenario);
  GENERATORS[crowd]({
    rng: Rng.stream(seed, `crowd:${crowd}`),
    script,
    scenario,
    D: scenario.durationMs,
    target: crowdTargetOf(scenario, crowd),
    choices: { candidates, weights: popularity(candidates.length) },
  });
  return script;
}
