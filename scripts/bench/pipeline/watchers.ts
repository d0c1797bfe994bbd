// The pipeline benchmark's watchers, a child process of main.ts (IPC): many socket.io clients,
// each its own connection (forceNew) over WebSocket, each subscribed to one board window and
// keeping a BoardFeed like a screen does. They time the probe votes: a watcher sees probe k when
// the probe candidate's score first reaches base + k, in a `rank:updated` entry or a snapshot;
// its latency is that moment minus the probe's send time (Date.now(), same machine).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  BoardFeed,
  type BoardView,
  type ClientToServerEvents,
  type RankUpdate,
  type ServerToClientEvents,
} from '@rallyboard/core/protocol';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { Histogram } from './histogram.js';
import type { ParentToWatchers, WatchersToParent, WatchReport, WatchSpec } from './messages.js';

type WatchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Watcher {
  socket: WatchSocket;
  feed: BoardFeed;
  /** The highest probe score this watcher has seen. */
  last: number;
  updates: number;
  coalesced: number;
  resyncing: boolean;
}

const send = (message: WatchersToParent, then?: () => void) =>
  process.send?.(message, undefined, undefined, () => then?.());
process.on('disconnect', () => process.exit(0));

const watchers: Watcher[] = [];
let spec: WatchSpec | undefined;
/** Probe scores → their send time. */
const sentAt = new Map<number, number>();
/** Probe scores seen before their send time arrived → when they were seen. */
const pending = new Map<number, number[]>();
let tracking = false;
let closing = false;
let resyncs = 0;
let disconnects = 0;
const latency = new Histogram();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function record(score: number, seenAt: number): void {
  const sent = sentAt.get(score);
  if (sent !== undefined) latency.record(seenAt - sent);
  else pending.set(score, [...(pending.get(score) ?? []), seenAt]);
}

function seen(watcher: Watcher, score: number, at: number): void {
  if (!tracking || score <= watcher.last) return;
  for (let s = watcher.last + 1; s <= score; s++) {
    if (s < score) watcher.coalesced++;
    record(s, at);
  }
  watcher.last = score;
}

function probeScore(entries: readonly { candidateId: string; score: number }[]): number | undefined {
  if (!spec) return undefined;
  for (const entry of entries) if (entry.candidateId === spec.probeCandidate) return entry.score;
  return undefined;
}

async function subscribe(watcher: Watcher, s: WatchSpec): Promise<void> {
  const answer = await watcher.socket
    .timeout(s.connectTimeoutMs)
    .emitWithAck('board:subscribe', { boardId: s.boardId, window: 'all' });
  if ('error' in answer) throw new Error(answer.error.code);
  onSnapshot(watcher, answer.data);
}

function onSnapshot(watcher: Watcher, view: BoardView): void {
  if (watcher.feed.snapshot(view) === 'gap') void resync(watcher);
  const score = probeScore(view.entries);
  if (score !== undefined) seen(watcher, score, Date.now());
}

async function resync(watcher: Watcher): Promise<void> {
  if (watcher.resyncing || !spec || closing) return;
  watcher.resyncing = true;
  resyncs++;
  try {
    await subscribe(watcher, spec);
  } catch {
    // Counted as a disconnect if the socket goes; otherwise the next gap tries again.
  } finally {
    watcher.resyncing = false;
  }
}

function onUpdate(watcher: Watcher, update: RankUpdate): void {
  const at = Date.now();
  if (tracking) watcher.updates++;
  if (watcher.feed.update(update) === 'gap') void resync(watcher);
  const score = probeScore(update.entries);
  if (score !== undefined) seen(watcher, score, at);
}

async function connectOne(s: WatchSpec): Promise<Watcher> {
  const options: Partial<ManagerOptions & SocketOptions> & { localAddress?: string } = {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: s.connectTimeoutMs,
    ...(s.localAddress === undefined ? {} : { localAddress: s.localAddress }),
  };
  const socket: WatchSocket = io(s.url, options);
  const watcher: Watcher = {
    socket,
    feed: new BoardFeed('all', s.topN),
    last: Number.POSITIVE_INFINITY,
    updates: 0,
    coalesced: 0,
    resyncing: false,
  };
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    // Listen before subscribing: the feed buffers what comes before the snapshot.
    socket.on('rank:updated', (update) => onUpdate(watcher, update));
    await subscribe(watcher, s);
    socket.on('disconnect', () => {
      if (!closing) disconnects++;
    });
    return watcher;
  } catch (error) {
    socket.close();
    throw error;
  }
}

async function connectAll(s: WatchSpec): Promise<void> {
  spec = s;
  const started = Date.now();
  const errors: Record<string, number> = {};
  let next = 0;
  let failed = 0;
  const lane = async () => {
    while (next < s.count) {
      next++;
      try {
        watchers.push(await connectOne(s));
      } catch (error) {
        failed++;
        const key = error instanceof Error ? error.message : String(error);
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(s.connectConcurrency, s.count) }, lane));
  send({ type: 'connected', ok: watchers.length, failed, errors, ms: Date.now() - started });
}

function report(finalScore: number): WatchReport {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let total = 0;
  let reachedFinal = 0;
  let sawEvery = 0;
  let coalesced = 0;
  for (const w of watchers) {
    total += w.updates;
    min = Math.min(min, w.updates);
    max = Math.max(max, w.updates);
    coalesced += w.coalesced;
    if (w.last >= finalScore) {
      reachedFinal++;
      if (w.coalesced === 0) sawEvery++;
    }
  }
  let unmatched = 0;
  for (const times of pending.values()) unmatched += times.length;
  return {
    watchers: watchers.length,
    latency: latency.toJSON(),
    updates: { total, min: watchers.length === 0 ? 0 : min, max },
    reachedFinal,
    sawEvery,
    coalesced,
    unmatched,
    resyncs,
    disconnects,
    eventLoopDelay: {
      p50: loopDelay.percentile(50) / 1e6,
      p99: loopDelay.percentile(99) / 1e6,
      max: loopDelay.max / 1e6,
    },
    rssBytes: process.memoryUsage().rss,
  };
}

process.on('message', (message: ParentToWatchers) => {
  switch (message.type) {
    case 'connect':
      connectAll(message.spec).catch((error: unknown) =>
        send({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
      );
      break;
    case 'probe-base':
      for (const w of watchers) w.last = message.base;
      tracking = true;
      loopDelay.enable();
      break;
    case 'probe': {
      sentAt.set(message.score, message.sentAt);
      const early = pending.get(message.score);
      if (early) {
        pending.delete(message.score);
        for (const at of early) latency.record(at - message.sentAt);
      }
      break;
    }
    case 'report':
      send({ type: 'report', report: report(message.finalScore) });
      break;
    case 'close':
      closing = true;
      loopDelay.disable();
      for (const w of watchers) w.socket.close();
      send({ type: 'closed' }, () => process.exit(0));
      break;
  }
});
send({ type: 'ready' });
