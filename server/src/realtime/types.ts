import type { ClientToServerEvents, RankWindow, ServerToClientEvents } from '@rallyboard/core/protocol';
import type { Server, Socket } from 'socket.io';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** The socket.io room of one board window's watchers. */
export const boardRoom = (boardId: string, window: RankWindow): string => `board:${boardId}:${window}`;

/** Reads a room name back, or undefined for a room that is not a board window's. */
export function parseBoardRoom(room: string): { boardId: string; window: RankWindow } | undefined {
  const match = /^board:([A-Za-z0-9_-]+):(all|day)$/.exec(room);
  if (!match) return undefined;
  return { boardId: match[1] as string, window: match[2] as RankWindow };
}

/** The socket.io room of one campaign's big screens, for `screen:updated`. */
export const screenRoom = (campaignId: string): string => `screen:${campaignId}`;
