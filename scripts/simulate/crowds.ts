// Honest crowds that look dense: a live event's attendees behind the venue's one address, a
// campus with roommate referrals, a city behind carrier-grade NAT. Every vote is real.
import { Script } from './actions.js';
import type { Crowd, Scenario } from './scenario.js';

/** One crowd's accounts and actions in a scenario, from a random stream of its own. */
export function crowdScript(_seed: number, _scenario: Scenario, crowd: Crowd): Script {
  return new Script(crowd);
}
