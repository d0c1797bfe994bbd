// What every attack generator shares: its context (random stream, script, knobs, target), its
// accounts' WeChat risk ranks, and the farm session most of them play.
import { type Account, rankFrom, type Script } from './actions.js';
import { type KnobName, knob } from './knobs.js';
import type { Device } from './network.js';
import { Rng } from './random.js';
import { type Attack, type Scenario, targetOf } from './scenario.js';

type Ranks = readonly [number, number, number, number, number];

/**
 * WeChat risk ranks 0-4 of each attack's accounts: 30-50% at 2-3, the rest 0-1. The adaptive
 * attacker buys accounts below the wechatRisk rule's 3: its 2-3 share is all rank 2.
 */
const RANKS: Readonly<Record<Attack, Ranks>> = {
  'device-farm': [35, 20, 25, 20, 0],
  'ip-farm': [40, 20, 25, 15, 0],
  'proxy-rotation': [45, 25, 20, 10, 0],
  'scripted-timing': [40, 20, 25, 15, 0],
  burst: [40, 20, 25, 15, 0],
  'slow-drip': [50, 20, 20, 10, 0],
  'referral-ring': [40, 20, 25, 15, 0],
  'lockstep-cohort': [40, 20, 25, 15, 0],
  'emulator-farm': [45, 15, 25, 15, 0],
  'referral-tree': [40, 20, 25, 15, 0],
  adaptive: [45, 20, 35, 0, 0],
  framing: [40, 20, 25, 15, 0],
};

/** Account id prefixes: an account's id says which attack bought it. */
const PREFIX: Readonly<Record<Attack, string>> = {
  'device-farm': 'df',
  'ip-farm': 'if',
  'proxy-rotation': 'pr',
  'scripted-timing': 'st',
  burst: 'bu',
  'slow-drip': 'sd',
  'referral-ring': 'rr',
  'lockstep-cohort': 'lc',
  'emulator-farm': 'ef',
  'referral-tree': 'rt',
  adaptive: 'ad',
  framing: 'fr',
};

export interface Ctx {
  rng: Rng;
  script: Script;
  scenario: Scenario;
  D: number;
  target: string;
  newAccount(i: number): Account;
  knob(name: KnobName): number;
  /** Scripts of honest populations that come with the attack (framing's real supporters). */
  extra: Script[];
}

export function attackCtx(seed: number, scenario: Scenario, attack: Attack, script: Script): Ctx {
  const rng = Rng.stream(seed, `attack:${attack}`);
  return {
    rng,
    script,
    scenario,
    D: scenario.durationMs,
    target: targetOf(scenario, attack),
    newAccount: (i) =>
      script.account(`${PREFIX[attack]}${String(i).padStart(3, '0')}`, rankFrom(rng.next(), RANKS[attack])),
    knob: (name) => knob(scenario, name),
    extra: [],
  };
}

/** A farm hand's dwell: hurried, not robotic (3 s median, σ 0.5 by default), at least 0.5 s. */
export const farmDwell = (rng: Rng, medianMs = 3_000, sigma = 0.5) =>
  rng.lognormalAbove(medianMs, sigma, 500);

export interface SessionStyle {
  dwellMedianMs: number;
  dwellSigma: number;
  votesMax: number;
}

/** 1-`votesMax` votes for the target within a session starting at `at`. */
export function session(
  c: Ctx,
  at: number,
  account: Account,
  pick: () => { ip: string; device: Device },
  style: SessionStyle = { dwellMedianMs: 3_000, dwellSigma: 0.5, votesMax: 3 },
) {
  const first = pick();
  c.script.login(at, account, first.ip, first.device);
  let t = at + c.rng.uniform(1_000, 3_000);
  const votes = c.rng.int(1, style.votesMax);
  for (let v = 0; v < votes && (v === 0 || t < c.D); v++) {
    const where = v === 0 ? first : pick();
    c.script.vote(t, account, {
      candidateId: c.target,
      ...where,
      dwellMs: farmDwell(c.rng, style.dwellMedianMs, style.dwellSigma),
    });
    t += c.rng.uniform(2_000, 8_000);
  }
}

/** Evenly staggered start times over [from, to) of the run, with jitter. */
export function staggered(c: Ctx, n: number, from: number, to: number): number[] {
  const step = ((to - from) * c.D) / Math.max(1, n);
  return Array.from({ length: n }, (_, i) => from * c.D + i * step + c.rng.uniform(0, step * 0.8));
}

/** `p` of the time: a draw only when the outcome is in doubt, so a 0 or 1 knob shifts no stream. */
export const sometimes = (rng: Rng, p: number): boolean => (p <= 0 ? false : p >= 1 ? true : rng.chance(p));
