import type { ClientToServerEvents, ServerToClientEvents } from '@rallyboard/core/protocol';
import type { Server, Socket } from 'socket.io';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** The socket.io room of one board's watchers. */
export const boardRoom = (boardId: string): string => `board:${boardId}`;
