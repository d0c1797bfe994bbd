import type { ScreenView } from '@rallyboard/core/protocol';
import { revealDone } from './reveal.js';

/** What the screen shows: one of these at a time, as `data-state` on the page. */
export type ScreenPhase = 'upcoming' | 'live' | 'paused' | 'frozen' | 'reveal' | 'podium';

/**
 * The phase of a screen from its view: scheduled shows the countdown to the start; live and
 * paused the ranking; frozen the ranking under the 封榜 banner; once the host reveals, the
 * reveal; an ended campaign its podium, after the reveal has run its course if there is one.
 */
export function screenPhase(view: Pick<ScreenView, 'campaign' | 'reveal'>, nowMs: number): ScreenPhase {
  const { status } = view.campaign;
  const reveal = view.reveal;
  switch (status) {
    case 'scheduled':
      return 'upcoming';
    case 'live':
      return 'live';
    case 'paused':
      return 'paused';
    case 'frozen':
      return reveal ? 'reveal' : 'frozen';
    default:
      if (reveal && !revealDone(Date.parse(reveal.revealedAt), nowMs, reveal.entries.length)) return 'reveal';
      return 'podium';
  }
}
