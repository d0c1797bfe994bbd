import { rankingIsPublic } from '../../protocol/campaigns.js';
import { getCampaign } from '../../services/api.js';
import type { LiveState } from '../../services/live.js';

/** What of the feed's last state shown and of the banner tells whether a new state may bring a new status. */
interface Shown {
  connected: boolean;
  resets: number;
  frozen: boolean;
}

/**
 * Whether a state of the live feed may come with a new status (a freeze, its end): the feed says
 * nothing of the status, but its pushes show when to ask. The first snapshot after a
 * (re)connection; any whole top N taken since the last state shown (a pushed reset, which a
 * freeze and its end are, even when the relay folded the tick's votes into it and its seq moved;
 * or a resync's snapshot, which may stand in for a reset missed); any move while frozen (a frozen
 * board pushes no diffs: its ranking moving is the freeze's end, or a new period). Not a diff
 * while live: the status stands.
 */
export function statusMayHaveMoved(state: LiveState, shown: Shown): boolean {
  if (!state.connected || state.error) return false;
  return !shown.connected || state.resets !== shown.resets || shown.frozen;
}

/**
 * The ranking page's 已封榜 banner: reads the campaign's status again when asked, one read at a
 * time (one asked for meanwhile comes after it, so the last status is the one shown), and tells
 * `show` whether its public ranking is frozen. A failed read keeps what is shown.
 */
export class FreezeWatch {
  #campaignId: string;
  #show: (frozen: boolean) => void;
  #inFlight: Promise<void> | undefined;
  #again = false;

  constructor(campaignId: string, show: (frozen: boolean) => void) {
    this.#campaignId = campaignId;
    this.#show = show;
  }

  async refresh(): Promise<void> {
    if (this.#inFlight) {
      this.#again = true;
      return this.#inFlight;
    }
    this.#inFlight = getCampaign(this.#campaignId)
      .then((campaign) => this.#show(!rankingIsPublic(campaign.status)))
      .catch(() => undefined)
      .finally(() => {
        this.#inFlight = undefined;
      });
    await this.#inFlight;
    if (this.#again) {
      this.#again = false;
      await this.refresh();
    }
  }
}
