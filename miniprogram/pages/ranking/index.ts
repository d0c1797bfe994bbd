import { settings } from '../../config.js';
import { rankingIsPublic } from '../../protocol/campaigns.js';
import type { RankWindow } from '../../protocol/leaderboard.js';
import { getCampaign, readRanking } from '../../services/api.js';
import { LiveBoard, type LiveState } from '../../services/live.js';
import { ApiError } from '../../services/request.js';
import { chatCard, momentsPost, offerSharing } from '../../services/share.js';
import { definePage } from '../../utils/page.js';

interface Row {
  rank: number;
  candidateId: string;
  name: string;
  score: number;
}

interface Extra {
  live: LiveBoard | null;
  names: Map<string, string>;
}

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
    /** Ranks below the live top N, read by page. */
    more: [] as Row[],
    /** Whether a page may follow (false once one came back short). */
    hasMore: true,
    loadingMore: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>): Promise<void> {
      this.live = null;
      this.names = new Map();
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
        const page = await readRanking(campaignId, window, offset, PAGE);
        if (window !== this.data.window) return;
        const added = page.entries.map((e) => ({
          ...e,
          name: this.names.get(e.candidateId) ?? e.candidateId,
        }));
        this.setData({ more: [...more, ...added], hasMore: added.length === PAGE });
      } catch (error) {
        wx.showToast({
          title: error instanceof ApiError ? error.message : '加载失败，请稍后再试',
          icon: 'none',
        });
      } finally {
        this.setData({ loadingMore: false });
      }
    },
    onUnload() {
      this.live?.stop();
      this.live = null;
    },
    async start(campaignId: string): Promise<void> {
      this.setData({ campaignId });
      try {
        const campaign = await getCampaign(campaignId);
        this.names = new Map(campaign.members.map((m) => [m.candidateId, m.name]));
        this.setData({
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
      this.setData({ window, rows: [], more: [], hasMore: true, totalVotes: 0, connected: false });
      const live = new LiveBoard({
        boardId: this.data.campaignId,
        window,
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
    show(state: LiveState) {
      // A candidate that climbed into the live top N leaves the pages read below it.
      const live = new Set(state.entries.map((e) => e.candidateId));
      this.setData({
        more: this.data.more.filter((row) => !live.has(row.candidateId)),
        connected: state.connected,
        totalVotes: state.totals.votes,
        error: state.error,
        rows: state.entries.map((e) => ({ ...e, name: this.names.get(e.candidateId) ?? e.candidateId })),
      });
    },
  },
});
