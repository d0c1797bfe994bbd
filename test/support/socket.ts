import type {
  ClientToServerEvents,
  LeaderboardSnapshot,
  RankUpdated,
  ServerToClientEvents,
} from '@rallyboard/core/protocol';
import { io, type Socket } from 'socket.io-client';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real socket.io client over WebSocket, connected and ready. */
export async function connectSocket(url: string): Promise<TestSocket> {
  const socket: TestSocket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Subscribes to a board and returns the snapshot from the ack, throwing a catalogue error as is. */
export async function subscribe(socket: TestSocket, boardId: string): Promise<LeaderboardSnapshot> {
  const answer = await socket.timeout(5_000).emitWithAck('board:subscribe', { boardId });
  if ('error' in answer) throw Object.assign(new Error(answer.error.message), answer.error);
  return answer.data;
}

/** Collects every `rank:updated` the socket receives. */
export function collectUpdates(socket: TestSocket): RankUpdated[] {
  const updates: RankUpdated[] = [];
  socket.on('rank:updated', (update) => updates.push(update));
  return updates;
}
