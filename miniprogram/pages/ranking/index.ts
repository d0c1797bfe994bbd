import { settings } from '../../config.js';
import { rankingIsPublic } from '../../protocol/campaigns.js';
import type { RankWindow } from '../../protocol/leaderboard.js';
import { type RankMove, rankMoves } from '../../protocol/rank-moves.js';
import { getCampaign, readAround, readRanking } from '../../services/api.js';
import { LiveBoard, type LiveState } from '../../services/live.js';
import { ApiError } from '../../services/request.js';
import { chatCard, momentsPost, offerSharing } from '../../services/share.js';
import { recentVotes } from '../../services/votes.js';
import { definePage } from '../../utils/page.js';
import {
  type Filter,
  isPastTheEnd,
  liveRows,
  type Pinned,
  type Row,
  rankingOf,
} from '../../utils/ranking-rows.js';
import { FreezeWatch, statusMayHaveMoved } from './status-watch.js';

interface Extra {
  live: LiveBoard | null;
  names: Map<string, string>;
  /** Group id → name, and candidate id → its group's id. */
  groupNames: Map<string, string>;
  groupOf: Map<string, string>;
  /** The pending end of a reorder: the rows slide home. */
  slideTimer: ReturnType<typeof setTimeout> | undefined;
  /** The candidate pinned at the top (opened for it, or my latest vote's), '' for none. */
  mine: string;
  /** The live rows' last ranks, and each candidate's last move: an arrow stays until it moves again. */
  ranks: Map<string, number>;
  moves: Map<string, RankMove>;
  /** When the pinned row was last read, and the read waiting for the throttle. */
  pinnedAt: number;
  pinTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The 已封榜 banner, read again as the feed asks: on each of its resets, votes folded in or not,
   * and on each new snapshot (a pull, a tab, and the app's return: the feed disconnects while the
   * app is hidden).
   */
  freeze: FreezeWatch;
}

/** The pinned row is read again at most this often while the ranking moves. */
const PIN_EVERY_MS = 2_000;

/** Ranks read at a time below the live top N, as the participant scrolls. */
const PAGE = 20;

/** The tabs: today, this week (the campaign's week) and all time, each its own live window. */
const TABS: { window: RankWindow; label: string }[] = [
  { window: 'day', label: '今日' },
  { window: 'week', label: '本周' },
  { window: 'all', label: '总榜' },
];

/**
 * The live ranking: a socket.io feed, kept in step by sequence numbers (see LiveBoard), of the
 * window its tab picks; the ranks below its top N a page at a time as the participant scrolls
 * (read when reached, not live), and all of it again on a pull.
 */
definePage<Extra>()({
  data: {
    campaignId: '',
    title: '',
    rows: [] as Row[],
    totalVotes: 0,
    connected: false,
    frozen: false,
    error: '',
    unit: '票',
    tabs: TABS,
    window: 'all' as RankWindow,
    /** The group filter's choices (none for a campaign without groups), and the one picked. */
    filters: [] as Filter[],
    filter: '',
    /** Ranks below the live top N, read by page. */
    more: [] as Row[],
    pinned: null as Pinned | null,
    /** Whether a page may follow (false once one came back short). */
    hasMore: true,
    loadingMore: false,
    seq: 0,
    /** The feed's whole top Ns taken (LiveState.resets) as of the state shown. */
    resets: 0,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>): Promise<void> {
      this.live = null;
      this.names = new Map();
      this.groupNames = new Map();
      this.groupOf = new Map();
      this.slideTimer = undefined;
      this.pinnedAt = 0;
      this.pinTimer = undefined;
      this.ranks = new Map();
      this.moves = new Map();
      const campaignId = query.campaignId ?? '';
      this.freeze = new FreezeWatch(campaignId, (frozen) => this.live && this.setData({ frozen }));
      this.mine = query.candidateId ?? recentVotes(campaignId)[0]?.candidateId ?? '';
      offerSharing();
      return this.start(query.campaignId ?? '');
    },
    onShareAppMessage(): WechatMiniprogram.Page.ICustomShareContent {
      return chatCard(
        `${this.data.title}｜实时排行`,
        'pages/ranking/index',
        `campaignId=${this.data.campaignId}`,
      );
    },
    onShareTimeline(): WechatMiniprogram.Page.ICustomTimelineContent {
      return momentsPost(`${this.data.title}｜实时排行`, `campaignId=${this.data.campaignId}`);
    },
    onPullDownRefresh() {
      if (this.data.campaignId && this.live) this.watch(this.data.window);
      wx.stopPullDownRefresh();
    },
    /** The next page below what is shown; its rows stay as read until the next pull or tab. */
    async onReachBottom(): Promise<void> {
      const { campaignId, window, hasMore, loadingMore, rows, more } = this.data;
      // Only once the live top N is full: a shorter one is the whole ranking.
      if (!campaignId || !hasMore || loadingMore || rows.length < settings.rankTopN) return;
      this.setData({ loadingMore: true });
      const offset = settings.rankTopN + more.length;
      try {
        const filter = this.data.filter;
        const page = await readRanking(campaignId, window, offset, PAGE, rankingOf(filter));
        if (window !== this.data.window || filter !== this.data.filter) return;
        const added = page.entries.map((e) => ({ ...e, name: this.nameOf(e.candidateId) }));
        this.setData({ more: [...more, ...added], hasMore: added.length === PAGE });
      } catch (error) {
        // The last page was full and nothing follows it: the server refuses a page past the end.
        if (isPastTheEnd(error)) this.setData({ hasMore: false });
        else {
          wx.showToast({
            title: error instanceof ApiError ? error.message : '加载失败，请稍后再试',
            icon: 'none',
          });
        }
      } finally {
        this.setData({ loadingMore: false });
      }
    },
    onUnload() {
      this.live?.stop();
      this.live = null;
      if (this.pinTimer !== undefined) clearTimeout(this.pinTimer);
      if (this.slideTimer !== undefined) clearTimeout(this.slideTimer);
    },
    /** A row's name: the candidate's, or the group's on the groups' ranking. */
    nameOf(id: string): string {
      return (this.data.filter === 'groups' ? this.groupNames.get(id) : this.names.get(id)) ?? id;
    },
    async start(campaignId: string): Promise<void> {
      this.setData({ campaignId });
      try {
        const campaign = await getCampaign(campaignId);
        this.names = new Map(campaign.members.map((m) => [m.candidateId, m.name]));
        this.groupNames = new Map(campaign.groups.map((g) => [g.id, g.name]));
        this.groupOf = new Map(campaign.groups.flatMap((g) => g.candidateIds.map((id) => [id, g.id])));
        const filters: Filter[] =
          campaign.groups.length === 0
            ? []
            : [
                { key: '', label: '全部' },
                { key: 'groups', label: '分组排名' },
                ...campaign.groups.map((g) => ({ key: g.id, label: g.name })),
              ];
        this.setData({
          filters,
          title: campaign.title,
          frozen: !rankingIsPublic(campaign.status),
          unit: campaign.kind === 'vote' ? '票' : '赞',
        });
      } catch (error) {
        this.setData({ error: error instanceof ApiError ? error.message : '加载失败，请稍后再试' });
        return;
      }
      this.watch(this.data.window);
    },
    /** Watches one window: the feed of the tab before stops, and the rows wait for the new snapshot. */
    watch(window: RankWindow) {
      this.live?.stop();
      this.ranks = new Map();
      this.moves = new Map();
      this.setData({ window, rows: [], more: [], hasMore: true, totalVotes: 0, connected: false });
      // Another window or ranking: the pinned row is read at once, not after the throttle.
      this.pinnedAt = 0;
      void this.pin();
      const live = new LiveBoard({
        boardId: this.data.campaignId,
        window,
        ranking: rankingOf(this.data.filter),
        onChange: (state) => {
          if (this.live === live) this.show(state);
        },
      });
      this.live = live;
      live.start();
    },
    selectTab(event: WechatMiniprogram.TouchEvent) {
      const window = (event.currentTarget.dataset as { window?: RankWindow }).window;
      if (!window || window === this.data.window || !this.live) return;
      this.watch(window);
    },
    /** The group filter: every candidate, the groups' ranking, or one group's candidates. */
    selectFilter(event: WechatMiniprogram.TouchEvent) {
      const filter = (event.currentTarget.dataset as { filter?: string }).filter ?? '';
      if (filter === this.data.filter || !this.live) return;
      this.setData({ filter, pinned: null });
      this.watch(this.data.window);
    },
    /** Whom the pinned row follows in the filter's ranking: my candidate, or its group; '' none. */
    pinnedId(): string {
      const { filter } = this.data;
      if (!this.mine || filter === '') return this.mine;
      const group = this.groupOf.get(this.mine) ?? '';
      if (filter === 'groups') return group;
      return group === filter ? this.mine : '';
    },
    /**
     * Reads my candidate's standing and neighbours in the tab's window, at most every PIN_EVERY_MS
     * (a read asked for meanwhile waits for the end of that time, so the last change is shown).
     */
    async pin(): Promise<void> {
      const pinned = this.pinnedId();
      if (!pinned || !this.data.campaignId) {
        if (this.data.pinned) this.setData({ pinned: null });
        return;
      }
      const wait = this.pinnedAt + PIN_EVERY_MS - Date.now();
      if (wait > 0) {
        this.pinTimer ??= setTimeout(() => {
          this.pinTimer = undefined;
          void this.pin();
        }, wait);
        return;
      }
      this.pinnedAt = Date.now();
      const { window, filter } = this.data;
      try {
        const view = await readAround(this.data.campaignId, pinned, window, 1, rankingOf(filter));
        if (window !== this.data.window || filter !== this.data.filter || !this.live) return;
        const named = (id: string) => this.nameOf(id);
        this.setData({
          pinned: {
            candidateId: view.member.candidateId,
            name: named(view.member.candidateId),
            rank: view.member.rank,
            score: view.member.score,
            around: view.entries.map((e) => ({ ...e, name: named(e.candidateId) })),
          },
        });
      } catch {
        // Not a candidate of this board (an old link), or offline: no pinned row (unless the tab
        // or the filter changed meanwhile: that one's read decides).
        if (window === this.data.window && filter === this.data.filter) this.setData({ pinned: null });
      }
    },
    show(state: LiveState) {
      if (this.mine && state.seq !== this.data.seq) void this.pin();
      if (statusMayHaveMoved(state, this.data)) void this.freeze.refresh();
      // A candidate that climbed into the live top N leaves the pages read below it.
      const live = new Set(state.entries.map((e) => e.candidateId));
      // Arrows from the rows' last ranks; the first state of a feed shows none.
      const next = new Map(state.entries.map((e) => [e.candidateId, e.rank]));
      if (this.ranks.size > 0) {
        for (const [id, move] of rankMoves(this.ranks, next))
          if (move.kind !== 'same') this.moves.set(id, move);
      }
      this.ranks = next;
      const rows = liveRows(this.data.rows as Row[], state.entries, (id) => this.nameOf(id), this.moves);
      const moved = rows.some((row) => row.shift !== 0);
      this.setData(
        {
          more: this.data.more.filter((row) => !live.has(row.candidateId)),
          connected: state.connected,
          seq: state.seq,
          resets: state.resets,
          totalVotes: state.totals.votes,
          error: state.error,
          rows,
        },
        // Once drawn where they stood (the render callback), the rows that moved slide home.
        moved ? () => this.slide() : undefined,
      );
    },
    /** Lets the rows that moved slide home, a frame after they were drawn where they stood. */
    slide() {
      if (this.slideTimer !== undefined) clearTimeout(this.slideTimer);
      this.slideTimer = setTimeout(() => {
        this.slideTimer = undefined;
        this.setData({ rows: (this.data.rows as Row[]).map((row) => ({ ...row, shift: 0 })) });
      }, 16);
    },
  },
});
