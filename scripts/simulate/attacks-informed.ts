// Attackers who know the rules: the adaptive one stays just under every default threshold; the
// framing one votes for a rival from its real supporters' shared address to get them held.
import type { Ctx } from './attack-kit.js';

export function adaptive(_c: Ctx): void {}

export function framing(_c: Ctx): void {}
