import type { PublicCampaign } from '../../protocol/campaigns.js';
import { getCampaign } from '../../services/api.js';

/** The first wait before reading again a status its schedule should have moved, doubling to the last. */
const FIRST_WAIT_MS = 2_000;
const LAST_WAIT_MS = 60_000;
/** The first read comes up to this long after the time, so a venue's phones do not all read at once. */
const SPREAD_MS = 3_000;

type Scheduled = Pick<PublicCampaign, 'status' | 'schedule'>;

/** When a campaign's schedule moves its status next: its start, or its end; undefined once it has ended. */
function nextMoveAt(campaign: Scheduled): number | undefined {
  if (campaign.status === 'scheduled') return Date.parse(campaign.schedule.startAt);
  if (campaign.status === 'live' || campaign.status === 'paused' || campaign.status === 'frozen') {
    return Date.parse(campaign.schedule.endAt);
  }
  return undefined;
}

/**
 * Reads a campaign's status again once its start or its end has come, so a page's vote buttons
 * open at the start and close at the end without a pull. The schedule worker moves the status a
 * moment after the time (and the phone's clock may be ahead): the first read comes 0-3 s after
 * it (spread over a crowd's phones), and while the status read is still the one before, it is
 * read again after 2 s, doubling to a minute. `check` is cheap: call it each second.
 */
export class ScheduleWatch {
  #campaign: () => Scheduled | null;
  #reread: () => Promise<boolean>;
  #reading = false;
  #nextAt = 0;
  #wait = FIRST_WAIT_MS;
  #spread = Math.random() * SPREAD_MS;

  /**
   * @param campaign the campaign as the page last read it; null before
   * @param reread reads the campaign again and shows it; answers whether its status moved
   */
  constructor(campaign: () => Scheduled | null, reread: () => Promise<boolean>) {
    this.#campaign = campaign;
    this.#reread = reread;
  }

  check(now = Date.now()): void {
    const campaign = this.#campaign();
    const at = campaign ? nextMoveAt(campaign) : undefined;
    if (at === undefined || now < at + this.#spread || this.#reading || now < this.#nextAt) return;
    this.#reading = true;
    void this.#reread()
      .catch(() => false)
      .then((moved) => {
        // Moved: the next time (the end after the start) is read when it comes.
        this.#nextAt = moved ? 0 : Date.now() + this.#wait;
        this.#wait = moved ? FIRST_WAIT_MS : Math.min(this.#wait * 2, LAST_WAIT_MS);
        this.#reading = false;
      });
  }
}

/**
 * A ScheduleWatch's re-read for a page that keeps its campaign: reads it again, makes it the
 * page's (unless the page moved to another campaign meanwhile) and has `show` draw it. Whether
 * its status moved; a failed read keeps what is shown.
 */
export async function rereadCampaign(
  page: { campaign: PublicCampaign | null },
  show: (campaign: PublicCampaign) => void,
): Promise<boolean> {
  const before = page.campaign;
  if (!before) return false;
  const campaign = await getCampaign(before.id).catch(() => null);
  if (!campaign || page.campaign !== before) return false;
  page.campaign = campaign;
  show(campaign);
  return campaign.status !== before.status;
}
