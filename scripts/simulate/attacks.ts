// The attacks, one generator each. Every attack pushes its own candidate, draws from its own
// random stream, and uses accounts of its own, so each can be switched on or off alone.
// Attackers also buy clean accounts: only part of them have a high WeChat risk rank. Every
// parameter is a knob (knobs.ts); without knobs each plays as it always did.
import { type Account, Script } from './actions.js';
import {
  attackCtx,
  type Ctx,
  farmDwell,
  type SessionStyle,
  session,
  sometimes,
  staggered,
} from './attack-kit.js';
import { adaptive, framing } from './attacks-informed.js';
import { emulatorFarm, lockstepCohort, referralTree } from './attacks-sequence.js';
import { carrierSubnet, datacenterSubnet, hostIn, mobileIp, phone, spoofedDevice } from './network.js';
import type { Attack, Scenario } from './scenario.js';

type Phone = ReturnType<typeof phone>;

const style = (c: Ctx, attack: 'device-farm' | 'ip-farm' | 'proxy-rotation'): SessionStyle => ({
  dwellMedianMs: c.knob(`${attack}.dwellMedianMs`),
  dwellSigma: attack === 'proxy-rotation' ? 0.5 : c.knob(`${attack}.dwellSigma`),
  votesMax: attack === 'ip-farm' ? 3 : c.knob(`${attack}.votesMax`),
});

/** One phone (id and fingerprint), or a few with three accounts each; many accounts, a few mobile addresses. */
function deviceFarm(c: Ctx): void {
  const devices = Array.from({ length: c.knob('device-farm.devices') }, () => phone(c.rng));
  const ips = Array.from({ length: c.knob('device-farm.ips') }, () => mobileIp(c.rng));
  const randomPrint = c.knob('device-farm.fingerprintRandom');
  for (const [i, at] of staggered(c, c.knob('device-farm.accounts'), 0.15, 0.8).entries()) {
    const ip = c.rng.pick(ips);
    const own = devices[i % devices.length] as Phone;
    // A farm that resets the fingerprint between accounts, keeping the install.
    const device = sometimes(c.rng, randomPrint) ? { ...own, fingerprint: c.rng.hex(32) } : own;
    session(c, at, c.newAccount(i), () => ({ ip, device }), style(c, 'device-farm'));
  }
}

/** Fresh accounts, each its own device id and (mostly) a random fingerprint, from a few datacenter addresses. */
function ipFarm(c: Ctx): void {
  const subnets = Array.from({ length: c.knob('ip-farm.subnets') }, () => datacenterSubnet(c.rng));
  const ips = Array.from({ length: c.knob('ip-farm.ips') }, (_, j) =>
    hostIn(c.rng, subnets[j % subnets.length] as string),
  );
  const randomPrint = c.knob('ip-farm.fingerprintRandom');
  for (const [i, at] of staggered(c, c.knob('ip-farm.accounts'), 0.2, 0.75).entries()) {
    const device = sometimes(c.rng, randomPrint) ? spoofedDevice(c.rng) : phone(c.rng);
    const ip = c.rng.pick(ips);
    session(c, at, c.newAccount(i), () => ({ ip, device }), style(c, 'ip-farm'));
  }
}

/** Accounts on a few phones; every request from a random address of a residential proxy pool. */
function proxyRotation(c: Ctx): void {
  const devices = Array.from({ length: c.knob('proxy-rotation.devices') }, () => phone(c.rng));
  for (const [i, at] of staggered(c, c.knob('proxy-rotation.accounts'), 0.1, 0.85).entries()) {
    const device = devices[i % devices.length] as Phone;
    session(c, at, c.newAccount(i), () => ({ ip: mobileIp(c.rng), device }), style(c, 'proxy-rotation'));
  }
}

/** A script per account: a fixed period (±2%), a 150-250 ms dwell, up to the daily quota. */
function scriptedTiming(c: Ctx): void {
  const periodMs = c.knob('scripted-timing.periodMs');
  const jitter = c.knob('scripted-timing.jitter');
  const dwellMin = c.knob('scripted-timing.dwellMinMs');
  const dwellMax = dwellMin + c.knob('scripted-timing.dwellSpanMs');
  const votes = c.scenario.dailyQuota;
  const latest = Math.max(1_500, c.D - votes * periodMs - 500);
  for (let i = 0; i < c.knob('scripted-timing.accounts'); i++) {
    const account = c.newAccount(i);
    const device = phone(c.rng);
    const ip = mobileIp(c.rng);
    let t = c.rng.uniform(1_500, latest);
    c.script.login(t - 1_000, account, ip, device);
    // A wide jitter may push the last votes past the end of the traffic: they are not sent.
    for (let v = 0; v < votes && t < c.D; v++) {
      c.script.vote(t, account, {
        candidateId: c.target,
        ip,
        device,
        dwellMs: c.rng.uniform(dwellMin, dwellMax),
      });
      t += periodMs * c.rng.uniform(1 - jitter, 1 + jitter);
    }
  }
}

/** Many fresh accounts on distinct phones and /24s, all for one candidate within a short window. */
function burst(c: Ctx): void {
  const windowMs = c.knob('burst.windowMs');
  const dwellMin = c.knob('burst.dwellMinMs');
  const dwellMax = dwellMin + c.knob('burst.dwellSpanMs');
  const start = Math.max(1_000, Math.min(c.knob('burst.startAt') * c.D, c.D - windowMs - 1_000));
  for (let i = 0; i < c.knob('burst.accounts'); i++) {
    const account = c.newAccount(i);
    const device = phone(c.rng);
    const ip = mobileIp(c.rng);
    const at = start + c.rng.uniform(0, windowMs);
    c.script.login(at - c.rng.uniform(1_000, 3_000), account, ip, device);
    c.script.vote(at, account, {
      candidateId: c.target,
      ip,
      device,
      dwellMs: c.rng.uniform(dwellMin, dwellMax),
    });
  }
}

/** A few phones rotating over a few /24s, each account voting every D/4-D/2 with a human dwell. */
function slowDrip(c: Ctx): void {
  const devices = Array.from({ length: c.knob('slow-drip.devices') }, () => phone(c.rng));
  const subnets = Array.from({ length: c.knob('slow-drip.subnets') }, () => carrierSubnet(c.rng));
  const [gapMin, gapMax] = [c.knob('slow-drip.gapMin') * c.D, c.knob('slow-drip.gapMax') * c.D];
  const dwellMedian = c.knob('slow-drip.dwellMedianMs');
  for (let i = 0; i < c.knob('slow-drip.accounts'); i++) {
    const account = c.newAccount(i);
    const device = devices[i % devices.length] as Phone;
    let t = c.rng.uniform(1_500, gapMin);
    const subnetOf = (n: number) => subnets[n % subnets.length] as string;
    c.script.login(t - c.rng.uniform(2_000, 5_000), account, hostIn(c.rng, subnetOf(i)), device);
    for (let v = 0; t < c.D; v++) {
      const ip = hostIn(c.rng, subnetOf(i + v));
      const dwellMs = c.rng.lognormalAbove(dwellMedian, 0.5, 1_500);
      c.script.vote(t, account, { candidateId: c.target, ip, device, dwellMs });
      t += c.rng.uniform(gapMin, gapMax);
    }
  }
}

/**
 * A chain of fresh accounts on a few phones in one /24, each brought by the previous one's
 * share link; the first votes again at the end through the last one's link, closing the ring.
 */
function referralRing(c: Ctx): void {
  const accounts = c.knob('referral-ring.accounts');
  const revote = c.knob('referral-ring.revote');
  const dwell = () => farmDwell(c.rng, c.knob('referral-ring.dwellMedianMs'));
  const subnet = carrierSubnet(c.rng);
  const devices = Array.from({ length: c.knob('referral-ring.devices') }, () => ({
    device: phone(c.rng),
    ip: hostIn(c.rng, subnet),
  }));
  const step = (c.knob('referral-ring.span') * c.D) / accounts;
  let t = 0.1 * c.D;
  let previous: Account | undefined;
  const ring: Account[] = [];
  for (let i = 0; i < accounts; i++) {
    const account = c.newAccount(i);
    ring.push(account);
    const { device, ip } = devices[i % devices.length] as (typeof devices)[number];
    c.script.login(t, account, ip, device);
    const voteAt = t + c.rng.uniform(0.2, 0.4) * step;
    const vote = { candidateId: c.target, ip, device, sharedBy: previous?.id };
    c.script.vote(voteAt, account, { ...vote, dwellMs: dwell() });
    if (c.rng.chance(revote)) {
      c.script.vote(voteAt + c.rng.uniform(0.1, 0.3) * step, account, { ...vote, dwellMs: dwell() });
    }
    c.script.share(t + 0.6 * step, account, c.target, ip, device);
    previous = account;
    t += step;
  }
  const [first] = ring;
  if (first && previous && previous !== first) {
    const { device, ip } = devices[0] as (typeof devices)[number];
    c.script.vote(t, first, { candidateId: c.target, ip, device, dwellMs: dwell(), sharedBy: previous.id });
  }
}

const GENERATORS: Readonly<Record<Attack, (c: Ctx) => void>> = {
  'device-farm': deviceFarm,
  'ip-farm': ipFarm,
  'proxy-rotation': proxyRotation,
  'scripted-timing': scriptedTiming,
  burst,
  'slow-drip': slowDrip,
  'referral-ring': referralRing,
  'lockstep-cohort': lockstepCohort,
  'emulator-farm': emulatorFarm,
  'referral-tree': referralTree,
  adaptive,
  framing,
};

/**
 * One attack's accounts and actions in a scenario: its own script first, then any honest
 * population that comes with it (the framing attack's real supporters of the rival).
 */
export function attackScripts(seed: number, scenario: Scenario, attack: Attack): Script[] {
  const script = new Script(attack);
  const c = attackCtx(seed, scenario, attack, script);
  GENERATORS[attack](c);
  return [script, ...c.extra];
}
