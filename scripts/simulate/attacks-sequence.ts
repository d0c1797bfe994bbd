// Attacks that per-vote counters miss and behaviour sequences show: a cohort voting in lockstep,
// an emulator farm whose dwell is too tight, a referral tree with one inviter's unusual fan-out.
import type { Ctx } from './attack-kit.js';

export function lockstepCohort(_c: Ctx): void {}

export function emulatorFarm(_c: Ctx): void {}

export function referralTree(_c: Ctx): void {}
