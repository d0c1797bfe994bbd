import { z } from 'zod';
import type { ErrorBody } from './errors.js';
import { boardIdSchema } from './ids.js';
import type { LeaderboardSnapshot } from './leaderboard.js';

/** Socket.io event names, `entity:verb`. */
export const SOCKET_EVENTS = {
  boardSubscribe: 'board:subscribe',
  boardUnsubscribe: 'board:unsubscribe',
  rankUpdated: 'rank:updated',
} as const;
export type SocketEventName = (typeof SOCKET_EVENTS)[keyof typeof SOCKET_EVENTS];

export const boardSubscribeSchema = z.strictObject({
  boardId: boardIdSchema,
});
export type BoardSubscribe = z.infer<typeof boardSubscribeSchema>;

/** Every ack answers with data or with a catalogue error, never both. */
export type Ack<T> = { data: T } | ErrorBody;

/** Pushed to a board's room after changes, coalesced per tick. */
export type RankUpdated = LeaderboardSnapshot;

export interface ClientToServerEvents {
  'board:subscribe': (payload: BoardSubscribe, ack: (answer: Ack<LeaderboardSnapshot>) => void) => void;
  'board:unsubscribe': (payload: BoardSubscribe, ack?: (answer: Ack<{ boardId: string }>) => void) => void;
}

export interface ServerToClientEvents {
  'rank:updated': (update: RankUpdated) => void;
}
