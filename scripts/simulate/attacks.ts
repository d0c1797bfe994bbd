// The attacks, one generator each. Every attack pushes its own candidate, draws from its own
// random stream, and uses accounts of its own, so each can be switched on or off alone.
// Attackers also buy clean accounts: only part of them have a high WeChat risk rank.
import { type Account, rankFrom, Script } from './actions.js';
import { carrierSubnet, datacenterSubnet, hostIn, mobileIp, phone, spoofedDevice } from './network.js';
import { Rng } from './random.js';
import { type Attack, type Scenario, targetOf } from './scenario.js';

type Ranks = readonly [number, number, number, number, number];

/** WeChat risk ranks 0-4 of each attack's accounts: 30-50% at 2-3, the rest 0-1. */
const RANKS: Readonly<Record<Attack, Ranks>> = {
  'device-farm': [35, 20, 25, 20, 0],
  'ip-farm': [40, 20, 25, 15, 0],
  'proxy-rotation': [45, 25, 20, 10, 0],
  'scripted-timing': [40, 20, 25, 15, 0],
  burst: [40, 20, 25, 15, 0],
  'slow-drip': [50, 20, 20, 10, 0],
  'referral-ring': [40, 20, 25, 15, 0],
};

const PREFIX: Readonly<Record<Attack, string>> = {
  'device-farm': 'df',
  'ip-farm': 'if',
  'proxy-rotation': 'pr',
  'scripted-timing': 'st',
  burst: 'bu',
  'slow-drip': 'sd',
  'referral-ring': 'rr',
};

interface Ctx {
  rng: Rng;
  script: Script;
  scenario: Scenario;
  D: number;
  target: string;
  newAccount(i: number): Account;
}

/** A hurried but not robotic dwell: the farm hand knows where the button is. */
const farmDwell = (rng: Rng) => Math.max(500, rng.lognormal(3_000, 0.5));

/** 1-3 votes for the target within a session starting at `at`. */
function session(
  c: Ctx,
  at: number,
  account: Account,
  pick: () => { ip: string; device: ReturnType<typeof phone> },
) {
  const first = pick();
  c.script.login(at, account, first.ip, first.device);
  let t = at + c.rng.uniform(1_000, 3_000);
  const votes = c.rng.int(1, 3);
  for (let v = 0; v < votes && (v === 0 || t < c.D); v++) {
    const where = v === 0 ? first : pick();
    c.script.vote(t, account, { candidateId: c.target, ...where, dwellMs: farmDwell(c.rng) });
    t += c.rng.uniform(2_000, 8_000);
  }
}

/** Evenly staggered start times over [from, to) of the run, with jitter. */
function staggered(c: Ctx, n: number, from: number, to: number): number[] {
  const step = ((to - from) * c.D) / Math.max(1, n);
  return Array.from({ length: n }, (_, i) => from * c.D + i * step + c.rng.uniform(0, step * 0.8));
}

const GENERATORS: Readonly<Record<Attack, (c: Ctx) => void>> = {
  /** One phone (id and fingerprint), many accounts, a few mobile addresses. */
  'device-farm': (c) => {
    const { accounts, ips: ipCount } = c.scenario.attacks['device-farm'];
    const device = phone(c.rng);
    const ips = Array.from({ length: ipCount }, () => mobileIp(c.rng));
    for (const [i, at] of staggered(c, accounts, 0.15, 0.8).entries()) {
      const ip = c.rng.pick(ips);
      session(c, at, c.newAccount(i), () => ({ ip, device }));
    }
  },
  /** Fresh accounts, each its own device id and a random fingerprint, all from 2-3 addresses of one /24. */
  'ip-farm': (c) => {
    const { accounts, ips: ipCount } = c.scenario.attacks['ip-farm'];
    const subnet = datacenterSubnet(c.rng);
    const ips = Array.from({ length: ipCount }, () => hostIn(c.rng, subnet));
    for (const [i, at] of staggered(c, accounts, 0.2, 0.75).entries()) {
      const device = spoofedDevice(c.rng);
      const ip = c.rng.pick(ips);
      session(c, at, c.newAccount(i), () => ({ ip, device }));
    }
  },
  /** Accounts on a few phones; every request from a random address of a residential proxy pool. */
  'proxy-rotation': (c) => {
    const { accounts, devices: deviceCount } = c.scenario.attacks['proxy-rotation'];
    const devices = Array.from({ length: deviceCount }, () => phone(c.rng));
    for (const [i, at] of staggered(c, accounts, 0.1, 0.85).entries()) {
      const device = devices[i % devices.length] as ReturnType<typeof phone>;
      session(c, at, c.newAccount(i), () => ({ ip: mobileIp(c.rng), device }));
    }
  },
  /** A script per account: a fixed period (±2%), a 150-250 ms dwell, up to the daily quota. */
  'scripted-timing': (c) => {
    const { accounts, periodMs } = c.scenario.attacks['scripted-timing'];
    const votes = c.scenario.dailyQuota;
    const latest = Math.max(1_500, c.D - votes * periodMs - 500);
    for (let i = 0; i < accounts; i++) {
      const account = c.newAccount(i);
      const device = phone(c.rng);
      const ip = mobileIp(c.rng);
      let t = c.rng.uniform(1_500, latest);
      c.script.login(t - 1_000, account, ip, device);
      for (let v = 0; v < votes; v++) {
        c.script.vote(t, account, { candidateId: c.target, ip, device, dwellMs: c.rng.uniform(150, 250) });
        t += periodMs * c.rng.uniform(0.98, 1.02);
      }
    }
  },
  /** Many fresh accounts on distinct phones and /24s, all for one candidate within a short window. */
  burst: (c) => {
    const { accounts, windowMs } = c.scenario.attacks.burst;
    const start = Math.min(0.6 * c.D, c.D - windowMs - 1_000);
    for (let i = 0; i < accounts; i++) {
      const account = c.newAccount(i);
      const device = phone(c.rng);
      const ip = mobileIp(c.rng);
      const at = start + c.rng.uniform(0, windowMs);
      c.script.login(at - c.rng.uniform(1_000, 3_000), account, ip, device);
      c.script.vote(at, account, { candidateId: c.target, ip, device, dwellMs: c.rng.uniform(300, 900) });
    }
  },
  /** A few phones rotating over a few /24s, each account voting every D/4-D/2 with a human dwell. */
  'slow-drip': (c) => {
    const { accounts, devices: deviceCount, subnets: subnetCount } = c.scenario.attacks['slow-drip'];
    const devices = Array.from({ length: deviceCount }, () => phone(c.rng));
    const subnets = Array.from({ length: subnetCount }, () => carrierSubnet(c.rng));
    for (let i = 0; i < accounts; i++) {
      const account = c.newAccount(i);
      const device = devices[i % devices.length] as ReturnType<typeof phone>;
      let t = c.rng.uniform(1_500, c.D / 4);
      c.script.login(
        t - c.rng.uniform(2_000, 5_000),
        account,
        hostIn(c.rng, subnets[i % subnets.length] as string),
        device,
      );
      for (let v = 0; t < c.D; v++) {
        const ip = hostIn(c.rng, subnets[(i + v) % subnets.length] as string);
        c.script.vote(t, account, {
          candidateId: c.target,
          ip,
          device,
          dwellMs: Math.max(1_500, c.rng.lognormal(6_000, 0.5)),
        });
        t += c.rng.uniform(c.D / 4, c.D / 2);
      }
    }
  },
  /**
   * A chain of fresh accounts on a few phones in one /24, each brought by the previous one's
   * share link; the first votes again at the end through the last one's link, closing the ring.
   */
  'referral-ring': (c) => {
    const { accounts, devices: deviceCount } = c.scenario.attacks['referral-ring'];
    const subnet = carrierSubnet(c.rng);
    const devices = Array.from({ length: deviceCount }, () => ({
      device: phone(c.rng),
      ip: hostIn(c.rng, subnet),
    }));
    const step = (0.75 * c.D) / accounts;
    let t = 0.1 * c.D;
    let previous: Account | undefined;
    const ring: Account[] = [];
    for (let i = 0; i < accounts; i++) {
      const account = c.newAccount(i);
      ring.push(account);
      const { device, ip } = devices[i % devices.length] as (typeof devices)[number];
      c.script.login(t, account, ip, device);
      const voteAt = t + c.rng.uniform(0.2, 0.4) * step;
      c.script.vote(voteAt, account, {
        candidateId: c.target,
        ip,
        device,
        dwellMs: farmDwell(c.rng),
        sharedBy: previous?.id,
      });
      if (c.rng.chance(0.5)) {
        c.script.vote(voteAt + c.rng.uniform(0.1, 0.3) * step, account, {
          candidateId: c.target,
          ip,
          device,
          dwellMs: farmDwell(c.rng),
          sharedBy: previous?.id,
        });
      }
      c.script.share(t + 0.6 * step, account, c.target, ip, device);
      previous = account;
      t += step;
    }
    const [first] = ring;
    if (first && previous && previous !== first) {
      const { device, ip } = devices[0] as (typeof devices)[number];
      c.script.vote(t, first, {
        candidateId: c.target,
        ip,
        device,
        dwellMs: farmDwell(c.rng),
        sharedBy: previous.id,
      });
    }
  },
};

/** One attack's accounts and actions in a scenario. */
export function attackScript(seed: number, scenario: Scenario, attack: Attack): Script {
  const rng = Rng.stream(seed, `attack:${attack}`);
  const script = new Script(attack);
  GENERATORS[attack]({
    rng,
    script,
    scenario,
    D: scenario.durationMs,
    target: targetOf(scenario, attack),
    newAccount: (i) =>
      script.account(`${PREFIX[attack]}${String(i).padStart(3, '0')}`, rankFrom(rng.next(), RANKS[attack])),
  });
  return script;
}
