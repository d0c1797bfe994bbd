// `npm run watch -- <boardId> [all|day] [url]`: watches a board like a screen does, keeping a live
// copy with the same BoardFeed the clients use, and prints it after every update.
import { loadConfig } from '@rallyboard/core/config';
import {
  BoardFeed,
  type ClientToServerEvents,
  type ServerToClientEvents,
  windowSchema,
} from '@rallyboard/core/protocol';
import { io, type Socket } from 'socket.io-client';

const boardId = process.argv[2] ?? 'demo';
const window = windowSchema.parse(process.argv[3] ?? 'all');
const url = process.argv[4] ?? loadConfig().http.publicUrl;
const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { transports: ['websocket'] });
const feed = new BoardFeed(window, 10);

const show = (label: string) =>
  console.log(
    `${label} seq=${feed.seq} votes=${feed.totals.votes} ${
      feed.entries.map((e) => `#${e.rank} ${e.candidateId}=${e.score}`).join('  ') || '(no votes yet)'
    }`,
  );

async function resync(): Promise<void> {
  const answer = await socket.timeout(5_000).emitWithAck('board:subscribe', { boardId, window });
  if ('error' in answer) {
    console.error(`✗ ${answer.error.code}: ${answer.error.message}`);
    process.exit(1);
  }
  feed.snapshot(answer.data);
  show('snapshot    ');
}

// Subscribe on every (re)connect: the snapshot resyncs whatever was missed while away.
socket.on('connect', () => void resync());
socket.on('rank:updated', (update) => {
  const outcome = feed.update(update);
  if (outcome === 'gap') void resync();
  else if (outcome === 'applied') show('rank:updated');
});
socket.on('connect_error', (error) => console.error(`… cannot reach ${url} (${error.message}); retrying`));
process.on('SIGINT', () => {
  socket.close();
  process.exit(0);
});
