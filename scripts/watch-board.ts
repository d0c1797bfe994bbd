// `npm run watch -- <boardId>`: subscribes like a screen does and prints every rank:updated.
import { loadConfig } from '@rallyboard/core/config';
import type {
  ClientToServerEvents,
  LeaderboardSnapshot,
  ServerToClientEvents,
} from '@rallyboard/core/protocol';
import { io, type Socket } from 'socket.io-client';

const boardId = process.argv[2] ?? 'demo';
const url = process.argv[3] ?? loadConfig().http.publicUrl;
const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { transports: ['websocket'] });

const show = (label: string, s: LeaderboardSnapshot) =>
  console.log(
    `${label} seq=${s.seq} ${s.entries.map((e) => `#${e.rank} ${e.candidateId}=${e.score}`).join('  ') || '(no votes yet)'}`,
  );

socket.on('connect', async () => {
  // Subscribe on every (re)connect: the snapshot resyncs whatever was missed while away.
  const answer = await socket.timeout(5_000).emitWithAck('board:subscribe', { boardId });
  if ('error' in answer) {
    console.error(`✗ ${answer.error.code}: ${answer.error.message}`);
    process.exit(1);
  }
  show('snapshot    ', answer.data);
});
socket.on('rank:updated', (update) => show('rank:updated', update));
socket.on('connect_error', (error) => console.error(`… cannot reach ${url} (${error.message}); retrying`));
process.on('SIGINT', () => {
  socket.close();
  process.exit(0);
});
