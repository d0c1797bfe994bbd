import { parseBoardRoom, type RealtimeServer } from '../types.js';

/**
 * The watched rooms of each board (each window of each ranking someone subscribed to), kept up to
 * date from the adapter's room events: the relay looks up the rooms of the boards that changed,
 * never every room (each socket's own among them).
 */
export function createBoardRooms(io: RealtimeServer) {
  const byBoard = new Map<string, Set<string>>();
  const onCreate = (room: string) => {
    const parsed = parseBoardRoom(room);
    if (!parsed) return;
    byBoard.set(parsed.boardId, (byBoard.get(parsed.boardId) ?? new Set<string>()).add(room));
  };
  const onDelete = (room: string) => {
    const parsed = parseBoardRoom(room);
    const rooms = parsed && byBoard.get(parsed.boardId);
    if (!parsed || !rooms) return;
    rooms.delete(room);
    if (rooms.size === 0) byBoard.delete(parsed.boardId);
  };
  return {
    /** The board's watched room names. */
    of: (boardId: string): ReadonlySet<string> => byBoard.get(boardId) ?? new Set(),
    /** The boards that have a watched room. */
    boards: (): string[] => [...byBoard.keys()],
    /** Every watched board room. */
    all: (): string[] => [...byBoard.values()].flatMap((rooms) => [...rooms]),
    start() {
      io.sockets.adapter.on('create-room', onCreate);
      io.sockets.adapter.on('delete-room', onDelete);
      for (const room of io.sockets.adapter.rooms.keys()) onCreate(room);
    },
    stop() {
      io.sockets.adapter.off('create-room', onCreate);
      io.sockets.adapter.off('delete-room', onDelete);
    },
  };
}
