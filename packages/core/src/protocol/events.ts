import { z } from 'zod';
import type { ErrorBody } from './errors.js';
import { groupIdSchema, rankingViewSchema } from './groups.js';
import { boardIdSchema } from './ids.js';
import {
  type BoardQuery,
  type BoardView,
  type MemberView,
  type RankUpdate,
  windowSchema,
} from './leaderboard.js';
import type { RiskAlert } from './risk.js';
import type { ScreenAck, ScreenSubscribe, ScreenView } from './screen.js';

/** Watch one window of a board (the current period's, for `day`, `week` and `month`). The ack is a snapshot of its top N. */
export const boardSubscribeSchema = z
  .strictObject({
    boardId: boardIdSchema,
    window: windowSchema.default('all'),
    /** The groups' ranking, or (with `group`) one group's; see boardViewSchema. */
    view: rankingViewSchema.optional(),
    group: groupIdSchema.optional(),
  })
  .refine((v) => v.group === undefined || v.view !== 'groups', {
    message: 'group applies only with view=candidates',
    path: ['group'],
  });
export type BoardSubscribe = z.input<typeof boardSubscribeSchema>;

/** Every ack answers with data or with a catalogue error, never both. */
export type Ack<T> = { data: T } | ErrorBody;

export interface ClientToServerEvents {
  'board:subscribe': (payload: BoardSubscribe, ack: (answer: Ack<BoardView>) => void) => void;
  'board:unsubscribe': (
    payload: BoardSubscribe,
    ack?: (answer: Ack<{ boardId: string; window: string }>) => void,
  ) => void;
  'board:query': (payload: BoardQuery, ack: (answer: Ack<BoardView | MemberView>) => void) => void;
  /** A big screen: its view and its ranking (an unlisted campaign needs the screen token). */
  'screen:subscribe': (payload: ScreenSubscribe, ack: (answer: ScreenAck) => void) => void;
}

export interface ServerToClientEvents {
  'rank:updated': (update: RankUpdate) => void;
  /** A screen's view changed: the campaign's status, its details, or the reveal. */
  'screen:updated': (view: ScreenView) => void;
}

/** The host namespace (`/host`): a host joins the risk alerts of a campaign it may touch. */
export const hostSubscribeSchema = z.strictObject({ campaignId: boardIdSchema });
export type HostSubscribe = z.infer<typeof hostSubscribeSchema>;

export interface HostClientToServerEvents {
  /** Join a campaign's alerts; the ack names the campaign joined. */
  'alerts:subscribe': (payload: HostSubscribe, ack: (answer: Ack<HostSubscribe>) => void) => void;
}

export interface HostServerToClientEvents {
  'risk:alert': (alert: RiskAlert) => void;
}
