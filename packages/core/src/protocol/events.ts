import { z } from 'zod';
import type { ErrorBody } from './errors.js';
import { boardIdSchema } from './ids.js';
import {
  type BoardQuery,
  type BoardView,
  type MemberView,
  type RankUpdate,
  windowSchema,
} from './leaderboard.js';

/** Socket.io event names, `entity:verb`. */
export const SOCKET_EVENTS = {
  boardSubscribe: 'board:subscribe',
  boardUnsubscribe: 'board:unsubscribe',
  boardQuery: 'board:query',
  rankUpdated: 'rank:updated',
} as const;
export type SocketEventName = (typeof SOCKET_EVENTS)[keyof typeof SOCKET_EVENTS];

/** Watch one window of a board (today's, for `day`). The ack is a snapshot of its top N. */
export const boardSubscribeSchema = z.strictObject({
  boardId: boardIdSchema,
  window: windowSchema.default('all'),
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
}

export interface ServerToClientEvents {
  'rank:updated': (update: RankUpdate) => void;
}
