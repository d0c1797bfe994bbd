import type { LeaderboardEntry, RankUpdate, ScreenSnapshot, ScreenView } from '@rallyboard/core/protocol';
import { clockOffset, formatCountdown } from '../shared/countdown.js';
import { type ScreenPhase, screenPhase } from '../shared/phase.js';
import { ScreenConnection } from './connection.js';
import { PodiumRanking, renderPodium, renderReveal } from './finale.js';
import { showJoinCode } from './join-code.js';
import { type Candidate, echarts, RankingChart } from './ranking-chart.js';
import { ScreenRanking } from './screen-ranking.js';
import { drawSparkline } from './sparkline.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
};

/** How often the bar race is redrawn at most (see #renderRanking). */
const RANKING_EVERY_MS = 250;
const PHASE_BADGE: Record<ScreenPhase, string> = {
  upcoming: '即将开始',
  live: '● 实时',
  paused: '暂停中',
  frozen: '封榜中',
  reveal: '揭晓中',
  podium: '已结束',
};
const WINDOW_BADGE: Record<ScreenView['window'], string> = { all: '总榜', day: '今日榜', week: '本周榜' };

/** Figures a benchmark or a test reads from the page (`window.__rallyScreen`). */
export interface ScreenProbe {
  phase: ScreenPhase | 'loading' | 'error';
  online: boolean;
  seq: number;
  /** Each draw: the seq and total votes it showed, and when (epoch ms, performance's clock). */
  applied: { seq: number; total: number; at: number }[];
  resyncs: number;
  chart: echarts.ECharts;
}

/**
 * The big screen: a BoardFeed kept live from the screen's socket, drawn as a bar race, with the
 * figures around it and the campaign's phase (upcoming, live, frozen, reveal, podium).
 *
 * Never stale-as-live: while the socket is down the screen says so and greys the ranking, and
 * only a fresh snapshot after the reconnect brings it back. A gap in the update stream (an
 * update whose fromSeq is past what the screen holds) fetches a snapshot the same way.
 */
export class ScreenApp {
  readonly probe: ScreenProbe;
  /** Who each entry is: a candidate's name, or a group's on the groups' ranking. */
  #names: ReadonlyMap<string, string> = new Map();
  #view: ScreenView | undefined;
  /** The ranking shown, its feeds, arrows and vote rate. */
  #ranking = new ScreenRanking();
  #offset = 0;
  #chart: RankingChart;
  #sparkline: echarts.ECharts;
  #connection: ScreenConnection;
  #podium = new PodiumRanking(() => this.#scheduleDraw());
  #drawPending = false;
  #rankingAt = Number.NEGATIVE_INFINITY;
  #rankingTimer: number | undefined;
  #sparklineAt = Number.NEGATIVE_INFINITY;
  /** Refused by the server (a revoked token, an unknown campaign): the error stays, nothing redraws. */
  #failed = false;

  constructor(
    readonly campaignId: string,
    readonly token: string | undefined,
  ) {
    this.#chart = new RankingChart($('ranking-chart'), 10);
    this.#sparkline = echarts.init($('sparkline'));
    this.probe = {
      phase: 'loading',
      online: false,
      seq: -1,
      applied: [],
      resyncs: 0,
      chart: this.#chart.chart,
    };
    this.#connection = new ScreenConnection(campaignId, token, {
      snapshot: (s) => this.#onSnapshot(s),
      update: (u) => this.#onUpdate(u),
      view: (v) => this.#onView(v),
      online: (online) => this.#onOnline(online),
      refused: (code, message) => this.#fail(code, message),
    });
    window.addEventListener('resize', () => {
      this.#chart.resize();
      this.#sparkline.resize();
      this.#draw();
    });
    // Countdowns, the rate's decay in a quiet minute and the reveal's steps move with the clock.
    setInterval(() => this.#tick(), 500);
  }

  #now(): number {
    return Date.now() + this.#offset;
  }

  #onSnapshot({ screen, board }: ScreenSnapshot): void {
    this.probe.resyncs++;
    // The feed that buffered the pushes since the subscription began takes it and replays them.
    if (this.#ranking.snapshot(screen, board) === 'gap') void this.#connection.resync();
    this.#chart.slots = screen.topN;
    this.#onView(screen);
    this.#scheduleDraw();
  }

  #onUpdate(update: RankUpdate): void {
    const outcome = this.#ranking.update(update);
    if (outcome === 'gap') void this.#connection.resync();
    else if (outcome === 'applied') this.#scheduleDraw();
  }

  #onView(view: ScreenView): void {
    // The host put another ranking on the screen: subscribing again joins its room and brings its
    // snapshot to that ranking's feed, made now to buffer the pushes before it.
    if (this.#ranking.switchTo(view)) void this.#connection.resync();
    this.#view = view;
    $('window-badge').textContent = `${WINDOW_BADGE[view.window]}${view.view === 'groups' ? ' · 分组' : ''}`;
    this.#offset = clockOffset(view.serverTime, Date.now());
    // The groups' ranking names its entries by group id: a group shows its name, no photo. Both
    // kinds are named whichever the view, so the rows drawn before a switch's snapshot arrives
    // keep their names.
    const candidates = new Map<string, Candidate>([
      ...view.campaign.groups.map((g) => [g.id, { name: g.name }] as const),
      ...view.campaign.members.map((m) => [m.candidateId, { name: m.name, imageUrl: m.imageUrl }] as const),
    ]);
    this.#chart.setCandidates(candidates);
    this.#names = new Map([...candidates].map(([id, c]) => [id, c.name]));
    $('title').textContent = view.campaign.title;
    document.title = `${view.campaign.title} · 实时排行榜`;
    void showJoinCode($<HTMLImageElement>('join-code'), view.join.imageUrl, this.token);
    this.#scheduleDraw();
  }

  #onOnline(online: boolean): void {
    this.probe.online = online;
    // Not subscribed: the next subscription starts over, its pushes held for its snapshot.
    if (!online) this.#ranking.restart();
    $('screen').dataset.connection = online ? 'online' : 'reconnecting';
    $('reconnecting').hidden = online;
  }

  #fail(code: string, message: string): void {
    this.#failed = true;
    this.probe.phase = 'error';
    const screen = $('screen');
    screen.dataset.state = 'error';
    screen.dataset.error = code;
    const error = $('error');
    error.hidden = false;
    error.textContent =
      code === 'SCREEN_TOKEN_INVALID'
        ? '此活动为非公开活动：请使用主办方提供的大屏链接（含访问令牌）打开。'
        : code === 'CAMPAIGN_NOT_FOUND'
          ? '找不到这个活动，请检查大屏链接。'
          : `无法打开大屏：${message}`;
    this.#connection.close();
  }

  /** Draws at most once a frame however many updates come in it. */
  #scheduleDraw(): void {
    if (this.#drawPending) return;
    this.#drawPending = true;
    requestAnimationFrame(() => {
      this.#drawPending = false;
      this.#draw();
    });
  }

  #draw(): void {
    const view = this.#view;
    const feed = this.#ranking.shown;
    if (!view || !feed || this.#failed) return;
    const now = this.#now();
    const phase = screenPhase(view, now);
    this.probe.phase = phase;
    this.probe.seq = feed.seq;
    const screen = $('screen');
    screen.dataset.state = phase;
    screen.dataset.seq = String(feed.seq);
    $('phase-badge').textContent = PHASE_BADGE[phase];
    $('upcoming').hidden = phase !== 'upcoming';
    $('frozen').hidden = phase !== 'frozen';
    $('reveal').hidden = phase !== 'reveal';
    $('podium').hidden = phase !== 'podium';
    this.#renderRanking();
    $('total').textContent = feed.totals.votes.toLocaleString('zh-CN');
    if (phase === 'podium') renderPodium($('podium-places'), this.#podium.entries(view, feed), view);
    // The countdown, the rate and the reveal's steps, at the same instant and phase.
    this.#tick(now, phase);
    this.probe.applied.push({
      seq: feed.seq,
      total: feed.totals.votes,
      at: performance.timeOrigin + performance.now(),
    });
    if (this.probe.applied.length > 5_000) this.probe.applied.splice(0, 1_000);
  }

  /**
   * Redraws the bar race and its text list, at most once every RANKING_EVERY_MS (the last state
   * always drawn, on a timer). At 50 updates a second, setting the chart's options on every frame
   * restarted its animations each frame and took the frame budget; at this pace each change
   * slides for REORDER_MS into the next, and the total beside it still changes every frame.
   */
  #renderRanking(): void {
    const wait = this.#rankingAt + RANKING_EVERY_MS - performance.now();
    if (wait > 0) {
      this.#rankingTimer ??= window.setTimeout(() => {
        this.#rankingTimer = undefined;
        this.#renderRanking();
      }, wait);
      return;
    }
    this.#rankingAt = performance.now();
    const entries = this.#ranking.shown?.entries ?? [];
    this.#chart.render(entries, this.#ranking.moves);
    this.#renderList(entries);
  }

  /** The ranking as text too: for assistive technology, and what the tests read. */
  #renderList(entries: readonly LeaderboardEntry[]): void {
    const names = this.#names;
    const list = $('ranking-list');
    list.replaceChildren(
      ...entries.map((e) => {
        const li = document.createElement('li');
        li.dataset.candidateId = e.candidateId;
        li.dataset.rank = String(e.rank);
        li.dataset.score = String(e.score);
        li.textContent = `第${e.rank}名 ${names.get(e.candidateId) ?? e.candidateId} ${e.score}票`;
        return li;
      }),
    );
  }

  /** Runs on a timer, and at the end of each draw with the draw's instant and phase. */
  #tick(now = this.#now(), phase?: ScreenPhase): void {
    const view = this.#view;
    if (!view || this.#failed) return;
    phase ??= screenPhase(view, now);
    const start = Date.parse(view.campaign.schedule.startAt);
    const end = Date.parse(view.campaign.schedule.endAt);
    if (phase !== this.probe.phase && this.#ranking.shown) {
      this.#scheduleDraw();
      return;
    }
    // The reveal moves on with the clock, one rank a step, with or without updates.
    if (phase === 'reveal' && view.reveal) renderReveal($('reveal-list'), view.reveal, now, view);
    $('start-countdown').textContent = formatCountdown(start - now);
    const over = phase === 'podium' || phase === 'reveal' || phase === 'frozen';
    $('countdown-label').textContent = phase === 'upcoming' ? '距离开始' : over ? '投票状态' : '距离结束';
    $('countdown').textContent =
      phase === 'upcoming'
        ? formatCountdown(start - now)
        : phase === 'podium'
          ? '已结束'
          : phase === 'frozen' || phase === 'reveal'
            ? '封榜'
            : formatCountdown(end - now);
    const wall = Date.now();
    $('vpm').textContent = String(this.#ranking.rate.perMinute(wall));
    // A per-minute line moves slowly: once a second is enough, however often votes come.
    if (wall - this.#sparklineAt < 1_000) return;
    this.#sparklineAt = wall;
    drawSparkline(this.#sparkline, this.#ranking.rate.series(wall));
  }
}
