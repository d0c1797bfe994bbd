// Reference (d) of the pipeline benchmark, a child process of main.ts (IPC): raw socket.io fanning
// out the same rank updates. A plain socket.io server, with our server's options, that answers
// `board:subscribe` with a snapshot and joins the socket to the board's room; on each `update`
// from the parent it raises the probe candidate's score by one and emits a `rank:updated` of the
// shape ours sends to the room, then tells the parent when it sent it. No Redis, no relay tick,
// no serialisation cache, no rate limits: what the fan-out itself costs.
import { createServer } from 'node:http';
import type { BoardView, RankUpdate } from '@rallyboard/core/protocol';
import { Server } from 'socket.io';
import type { BareFanoutSpec, BareFanoutToParent, ParentToBareFanout } from './messages.js';

const send = (message: BareFanoutToParent, then?: () => void) =>
  process.send?.(message, undefined, undefined, () => then?.());
process.on('disconnect', () => process.exit(0));

const httpServer = createServer();
// As server/src/realtime/socket-server.ts.
const io = new Server(httpServer, {
  serveClient: false,
  pingInterval: 20_000,
  pingTimeout: 20_000,
  perMessageDeflate: false,
  maxHttpBufferSize: 16 * 1024,
});
let view: BoardView | undefined;

function start(spec: BareFanoutSpec): void {
  view = {
    boardId: spec.boardId,
    window: 'all',
    day: null,
    seq: 0,
    totals: { votes: 0, members: spec.candidates.length },
    entries: spec.candidates.map((candidateId, i) => ({ candidateId, rank: i + 1, score: 0 })),
  };
  const room = `board:${spec.boardId}:all`;
  io.on('connection', (socket) => {
    socket.on('board:subscribe', (_request: unknown, ack: (answer: { data: BoardView }) => void) => {
      if (!view) return;
      void socket.join(room);
      ack({ data: view });
    });
  });
  httpServer.listen(0, '127.0.0.1', () => {
    const address = httpServer.address();
    send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
  });
}

/** One vote for the probe: its new score and rank, to the room, as the relay sends a change. */
function update(probeCandidate: string): void {
  if (!view) return;
  const entry = view.entries.find((e) => e.candidateId === probeCandidate);
  if (!entry) return;
  entry.score++;
  const fromSeq = view.seq;
  view.seq++;
  view.totals = { ...view.totals, votes: view.totals.votes + 1 };
  const update: RankUpdate = {
    boardId: view.boardId,
    window: 'all',
    day: null,
    fromSeq,
    seq: view.seq,
    reset: false,
    totals: view.totals,
    entries: [{ candidateId: entry.candidateId, rank: entry.rank, score: entry.score }],
  };
  const sentAt = Date.now();
  io.to(`board:${view.boardId}:all`).emit('rank:updated', update);
  send({ type: 'sent', score: entry.score, sentAt });
}

process.on('message', (message: ParentToBareFanout) => {
  if (message.type === 'start') start(message.spec);
  if (message.type === 'update') update(message.probeCandidate);
  if (message.type === 'memory') {
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    send({ type: 'memory', rssBytes: rss, heapUsedBytes: heapUsed });
  }
  if (message.type === 'close') {
    io.close();
    send({ type: 'closed' }, () => process.exit(0));
  }
});
send({ type: 'started' });
