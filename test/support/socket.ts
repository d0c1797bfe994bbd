import type {
  BoardQuery,
  BoardView,
  ClientToServerEvents,
  MemberView,
  RankingView,
  RankUpdate,
  RankWindow,
  ServerToClientEvents,
} from '@rallyboard/core/protocol';
import { io, type Socket } from 'socket.io-client';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A real socket.io client over WebSocket, connected and ready. `timeoutMs` is how long the
 * handshake may take (socket.io's default, 20 s, unless a test opens hundreds at once).
 */
export async function connectSocket(url: string, timeoutMs = 20_000): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Subscribes to a board window and returns the snapshot from the ack; throws a catalogue error as is. */
export async function subscribe(
  socket: TestSocket,
  boardId: string,
  window: RankWindow = 'all',
  ranking: { view?: RankingView; group?: string } = {},
): Promise<BoardView> {
  const answer = await socket.timeout(5_000).emitWithAck('board:subscribe', { boardId, window, ...ranking });
  if ('error' in answer) throw Object.assign(new Error(answer.error.message), answer.error);
  return answer.data;
}

/** Asks a `board:query` and returns its data; throws a catalogue error as is. */
export async function query(socket: TestSocket, payload: BoardQuery): Promise<BoardView | MemberView> {
  const answer = await socket.timeout(5_000).emitWithAck('board:query', payload);
  if ('error' in answer) throw Object.assign(new Error(answer.error.message), answer.error);
  return answer.data;
}

/** Collects every `rank:updated` the socket receives. */
export function collectUpdates(socket: TestSocket): RankUpdate[] {
  const updates: RankUpdate[] = [];
  socket.on('rank:updated', (update) => updates.push(update));
  return updates;
}
