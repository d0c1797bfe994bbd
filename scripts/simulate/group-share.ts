// A popular sharer's group chats: someone who backs a candidate posts its share card in the big
// groups they are in (a class, an office, a family), and within minutes dozens of friends tap
// it, sign in (new here) and vote for the candidate, then now and then later in the day. Each
// on their own phone, from their carrier's address or the group's office or campus Wi-Fi.
// Every vote is real, and every friend came through the one sharer's link.
import { knob } from './knobs.js';
import { carrierSubnet, hostIn, mobileIp, phone, popularPhone } from './network.js';
import { popularPick } from './population.js';
import { arrivalAfter, type CrowdCtx, honestAccount, scriptVisitors, type Visitor } from './visits.js';

/** A share of the friends on the phone models most people have. */
const POPULAR_MODEL_SHARE = 0.3;

export function groupShare(c: CrowdCtx): void {
  const { rng, script, D } = c;
  const s = c.scenario;
  const friends = knob(s, 'group-share.friends');
  const windowMs = Math.min(knob(s, 'group-share.windowMs'), 0.5 * D);
  const wifiShare = knob(s, 'group-share.wifiShare');
  const wifi = hostIn(rng, carrierSubnet(rng));
  const favourite = c.target ?? popularPick(rng, c.choices);
  const start = rng.uniform(0.1 * D, Math.max(0.1 * D, D - windowMs - 30_000));
  const home = mobileIp(rng);
  const sharer: Visitor = {
    account: honestAccount(rng, script, 'gs', 0),
    device: phone(rng),
    ip: () => home,
    arrival: start,
    favourite,
    quick: rng.chance(knob(s, 'honest.quickShare')),
    sharedAt: start + rng.uniform(3_000, 20_000),
  };
  const shared = sharer.sharedAt as number;
  const visitors: Visitor[] = [sharer];
  for (let i = 1; i <= friends; i++) {
    const own = mobileIp(rng);
    const onWifi = rng.chance(wifiShare);
    visitors.push({
      account: honestAccount(rng, script, 'gs', i),
      device: rng.chance(POPULAR_MODEL_SHARE) ? popularPhone(rng) : phone(rng),
      // The group's Wi-Fi at first (they read the chat at work or in class), their own later.
      ip: (later) => (onWifi && !later ? wifi : own),
      // Half of them within a quarter of the window, the rest trailing off within it.
      arrival: shared + 2_000 + arrivalAfter(rng, windowMs / 4, windowMs),
      favourite,
      quick: rng.chance(knob(s, 'honest.quickShare')),
      invitedBy: sharer,
    });
  }
  scriptVisitors(rng, script, visitors, D, {
    dwellMedianMs: knob(s, 'group-share.dwellMedianMs'),
    dwellSigma: knob(s, 'honest.dwellSigma'),
    gapShare: knob(s, 'honest.gapShare'),
    favourite: knob(s, 'honest.favourite'),
    choices: c.choices,
  });
}
