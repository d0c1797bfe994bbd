// Attacks that per-vote counters miss and behaviour sequences show: a cohort voting in lockstep,
// an emulator farm whose dwell is too tight, a referral tree with one inviter's unusual fan-out.
import type { Account } from './actions.js';
import { type Ctx, farmDwell, sometimes, staggered } from './attack-kit.js';
import { type Device, hostIn, mobileIp, phone, subnetOf } from './network.js';

/** `n` accounts over `count` addresses (at least one), each address drawn once. */
function addressPool(c: Ctx, n: number, spread: number): string[] {
  return Array.from({ length: Math.max(1, Math.round(n * spread)) }, () => mobileIp(c.rng));
}

/**
 * New accounts on phones and addresses of their own, started together by one script: every
 * account votes in each wave, all within the wave's jitter (to the second), wave after wave.
 */
export function lockstepCohort(c: Ctx): void {
  const n = c.knob('lockstep-cohort.accounts');
  const waves = c.knob('lockstep-cohort.waves');
  const gap = c.knob('lockstep-cohort.waveGapMs');
  const jitter = c.knob('lockstep-cohort.jitterMs');
  const share = c.knob('lockstep-cohort.waveShare');
  const dwellMedian = c.knob('lockstep-cohort.dwellMedianMs');
  const ips = addressPool(c, n, c.knob('lockstep-cohort.addressSpread'));
  const members = Array.from({ length: n }, (_, i) => ({
    account: c.newAccount(i),
    device: phone(c.rng),
    ip: ips[i % ips.length] as string,
    signedIn: false,
  }));
  const first = c.rng.uniform(0.1 * c.D, Math.max(0.1 * c.D, c.D - (waves - 1) * gap - jitter - 5_000));
  for (let w = 0; w < waves; w++) {
    const wave = first + w * gap;
    if (wave + jitter / 2 >= c.D) break;
    for (const m of members) {
      if (!sometimes(c.rng, share)) continue;
      if (!m.signedIn) c.script.login(wave - c.rng.uniform(5_000, 60_000), m.account, m.ip, m.device);
      m.signedIn = true;
      c.script.vote(wave + c.rng.uniform(-jitter / 2, jitter / 2), m.account, {
        candidateId: c.target,
        ip: m.ip,
        device: m.device,
        dwellMs: farmDwell(c.rng, dwellMedian, 0.3),
      });
    }
  }
}

/**
 * Accounts on emulators: random fingerprints (or the emulator image's one model) and device ids,
 * spread addresses, and one script's dwell, the same for every account within a few percent.
 */
export function emulatorFarm(c: Ctx): void {
  const n = c.knob('emulator-farm.accounts');
  const centre = c.knob('emulator-farm.dwellCentreMs');
  const tight = c.knob('emulator-farm.tightness');
  const randomPrint = c.knob('emulator-farm.fingerprintRandom');
  const votesMax = c.knob('emulator-farm.votesMax');
  const image = phone(c.rng);
  const ips = addressPool(c, n, c.knob('emulator-farm.addressSpread'));
  for (const [i, at] of staggered(c, n, 0.15, 0.85).entries()) {
    const account = c.newAccount(i);
    const id = `d-${c.rng.hex(12)}`;
    const device: Device = {
      ...image,
      id,
      ...(sometimes(c.rng, randomPrint) ? { fingerprint: c.rng.hex(32) } : {}),
    };
    const ip = ips[i % ips.length] as string;
    c.script.login(at, account, ip, device);
    let t = at + c.rng.uniform(1_000, 3_000);
    const votes = c.rng.int(1, votesMax);
    for (let v = 0; v < votes && (v === 0 || t < c.D); v++) {
      const dwellMs = centre * c.rng.uniform(1 - tight, 1 + tight);
      c.script.vote(t, account, { candidateId: c.target, ip, device, dwellMs });
      t += dwellMs + c.rng.uniform(2_000, 8_000);
    }
  }
}

/**
 * One inviter shares a link, and within a few minutes dozens of fresh accounts arrive through
 * it, each voting once straight away and never doing anything else; most on addresses far from
 * the inviter's.
 */
export function referralTree(c: Ctx): void {
  const fanOut = c.knob('referral-tree.fanOut');
  // In a run shorter than the window (small), the tree fits in the run's first half.
  const windowMs = Math.min(c.knob('referral-tree.windowMs'), 0.5 * c.D);
  const spread = c.knob('referral-tree.addressSpread');
  const dwellMedian = c.knob('referral-tree.dwellMedianMs');
  const inviter: Account = c.newAccount(0);
  const home = { ip: mobileIp(c.rng), device: phone(c.rng) };
  const start = c.rng.uniform(0.1 * c.D, Math.max(0.1 * c.D, c.D - windowMs - 20_000));
  c.script.login(start, inviter, home.ip, home.device);
  c.script.vote(start + c.rng.uniform(2_000, 6_000), inviter, {
    candidateId: c.target,
    ...home,
    dwellMs: farmDwell(c.rng, dwellMedian),
  });
  const shared = start + c.rng.uniform(7_000, 12_000);
  c.script.share(shared, inviter, c.target, home.ip, home.device);
  for (let i = 1; i <= fanOut; i++) {
    const account = c.newAccount(i);
    const device = phone(c.rng);
    const ip = sometimes(c.rng, spread) ? mobileIp(c.rng) : hostIn(c.rng, subnetOf(home.ip));
    const at = shared + c.rng.uniform(0, 0.9 * windowMs - 6_000);
    c.script.login(at, account, ip, device);
    c.script.vote(at + c.rng.uniform(1_500, 6_000), account, {
      candidateId: c.target,
      ip,
      device,
      dwellMs: farmDwell(c.rng, dwellMedian),
      sharedBy: inviter.id,
    });
  }
}
