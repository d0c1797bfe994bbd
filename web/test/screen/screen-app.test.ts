// @vitest-environment jsdom
import type { BoardView, RankUpdate, ScreenView } from '@rallyboard/core/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ScreenApp } from '../../src/screen/app.js';
import type { ScreenConnectionEvents } from '../../src/screen/connection.js';

/** The screen's connection, played by the test: what it hands the app, and each resubscription. */
const connection = vi.hoisted(() => ({
  on: undefined as ScreenConnectionEvents | undefined,
  resyncs: 0,
}));

vi.mock('../../src/screen/connection.js', () => ({
  ScreenConnection: class {
    constructor(_campaignId: string, _token: string | undefined, on: ScreenConnectionEvents) {
      connection.on = on;
    }
    async resync() {
      connection.resyncs++;
    }
    close() {}
  },
}));
// No canvas here: the charts draw nothing, and the ranking is read from its text list.
vi.mock('../../src/screen/ranking-chart.js', () => ({
  echarts: { init: () => ({ resize() {}, setOption() {} }) },
  RankingChart: class {
    chart = {};
    slots = 0;
    setCandidates() {}
    render() {}
    resize() {}
  },
}));
vi.mock('../../src/screen/sparkline.js', () => ({ drawSparkline() {} }));
vi.mock('../../src/screen/join-code.js', () => ({ async showJoinCode() {} }));

/** The elements of the screen's page (web/src/screen/index.html) that the app writes to. */
const PAGE = [
  ...['screen', 'title', 'window-badge', 'phase-badge', 'ranking-chart', 'total', 'vpm', 'sparkline'],
  ...['countdown-label', 'countdown', 'upcoming', 'start-countdown', 'frozen', 'reveal', 'podium'],
  ...['podium-places', 'reconnecting', 'error'],
]
  .map((id) => `<div id="${id}"></div>`)
  .concat('<ol id="ranking-list"></ol>', '<ol id="reveal-list"></ol>', '<img id="join-code" />')
  .join('');

function screenView(over: Partial<ScreenView> = {}): ScreenView {
  const campaign = {
    id: 'c1',
    title: '年度评选',
    status: 'live',
    schedule: { startAt: '2026-01-01T00:00:00.000Z', endAt: '2099-01-01T00:00:00.000Z' },
    groups: [],
    members: ['a', 'b', 'c', 'x'].map((candidateId) => ({ candidateId, name: candidateId })),
  };
  return {
    campaign,
    reveal: null,
    join: { kind: 'url', imageUrl: '/join.png', url: 'https://example.test/' },
    topN: 3,
    window: 'all',
    view: 'candidates',
    serverTime: new Date().toISOString(),
    recentVotes: 0,
    ...over,
  } as unknown as ScreenView;
}

function board(seq: number, scores: Record<string, number>, over: Partial<BoardView> = {}): BoardView {
  const entries = Object.entries(scores).map(([candidateId, score], i) => ({
    rank: i + 1,
    candidateId,
    score,
  }));
  const votes = entries.reduce((sum, e) => sum + e.score, 0);
  return { boardId: 'c1', window: 'all', day: null, seq, totals: { votes, members: 4 }, entries, ...over };
}

function push(fromSeq: number, seq: number, entries: RankUpdate['entries'], over: Partial<RankUpdate> = {}) {
  const update: RankUpdate = {
    boardId: 'c1',
    window: 'all',
    day: null,
    fromSeq,
    seq,
    reset: false,
    totals: { votes: seq, members: 4 },
    entries,
    view: 'candidates',
    ...over,
  };
  connection.on?.update(update);
}

/** What the screen shows: its seq, and its ranking as `id:score` in rank order. */
function shown(app: InstanceType<typeof ScreenApp>) {
  const rows = [...document.querySelectorAll<HTMLElement>('#ranking-list li')];
  return { seq: app.probe.seq, ranking: rows.map((li) => `${li.dataset.candidateId}:${li.dataset.score}`) };
}

beforeEach(() => {
  document.body.innerHTML = PAGE;
  connection.resyncs = 0;
  // No clock ticks; each frame is drawn at once, a second after the one before (no redraw waits).
  vi.useFakeTimers({ toFake: ['setInterval'] });
  vi.stubGlobal('requestAnimationFrame', (draw: FrameRequestCallback) => {
    draw(0);
    return 0;
  });
  let now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => (now += 1_000));
});

describe('the big screen', () => {
  it('keeps a push that comes before its first snapshot and replays it on top of it', () => {
    const app = new ScreenApp('c1', undefined);
    // The server joined the room, then read the ranking: a vote between the read and the ack.
    push(10, 12, [{ candidateId: 'b', rank: 1, score: 6 }]);
    connection.on?.snapshot({ screen: screenView(), board: board(11, { a: 5, b: 4, c: 3 }) });
    expect(shown(app)).toEqual({ seq: 12, ranking: ['b:6', 'a:5', 'c:3'] });
    expect(connection.resyncs).toBe(0);
  });

  it("hands a resync's snapshot to the feed that buffered the pushes since the gap", () => {
    const app = new ScreenApp('c1', undefined);
    connection.on?.snapshot({ screen: screenView(), board: board(10, { a: 5, b: 4, c: 3 }) });
    // A push lost on the way: the next one shows a gap, and the screen subscribes again.
    push(11, 12, [{ candidateId: 'c', rank: 1, score: 6 }]);
    expect(connection.resyncs).toBe(1);
    // Pushed after the read of the answer, before the answer came.
    push(12, 13, [{ candidateId: 'b', rank: 1, score: 7 }]);
    connection.on?.snapshot({ screen: screenView(), board: board(12, { c: 6, a: 5, b: 4 }) });
    expect(shown(app)).toEqual({ seq: 13, ranking: ['b:7', 'c:6', 'a:5'] });
  });

  it('after a reconnect, keeps a push that comes before the snapshot and takes the snapshot', () => {
    const app = new ScreenApp('c1', undefined);
    connection.on?.snapshot({ screen: screenView(), board: board(10, { a: 5, b: 4, c: 3 }) });
    connection.on?.online(true);
    // Cut off while votes came; subscribed again, a push comes before the answer.
    connection.on?.online(false);
    push(14, 15, [{ candidateId: 'c', rank: 1, score: 9 }]);
    expect(shown(app).seq).toBe(10);
    connection.on?.snapshot({ screen: screenView(), board: board(14, { b: 8, a: 5, c: 3 }) });
    connection.on?.online(true);
    expect(shown(app)).toEqual({ seq: 15, ranking: ['c:9', 'b:8', 'a:5'] });
    expect(connection.resyncs).toBe(0);
  });

  it("keeps the pushes of the ranking the host switches to that come before that ranking's snapshot", () => {
    const app = new ScreenApp('c1', undefined);
    connection.on?.snapshot({ screen: screenView(), board: board(10, { a: 5, b: 4, c: 3 }) });
    // The host puts today's ranking on the screen: it subscribes again.
    connection.on?.view(screenView({ window: 'day' }));
    expect(connection.resyncs).toBe(1);
    // Until its snapshot comes, the screen still shows the ranking it had.
    const day = { window: 'day', day: '2026-12-07' } as const;
    push(20, 21, [{ candidateId: 'x', rank: 1, score: 2 }], day);
    expect(shown(app)).toEqual({ seq: 10, ranking: ['a:5', 'b:4', 'c:3'] });
    connection.on?.snapshot({ screen: screenView({ window: 'day' }), board: board(20, { a: 1 }, day) });
    expect(shown(app)).toEqual({ seq: 21, ranking: ['x:2', 'a:1'] });
  });
});
