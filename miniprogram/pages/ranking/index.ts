import { rankingIsPublic } from '../../protocol/campaigns.js';
import type { RankWindow } from '../../protocol/leaderboard.js';
import { getCampaign } from '../../services/api.js';
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

/** The tabs: today, this week (the campaign's week) and all time, each its own live window. */
const TABS: { window: RankWindow; label: string }[] = [
  { window: 'day', label: '今日' },
  { window: 'week', label: '本周' },
  { window: 'all', label: '总榜' },
];

/**
 * The live ranking: a socket.io feed, kept in step by sequence numbers (see LiveBoard), of the
 * window its tab picks.
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
      this.setData({ window, rows: [], totalVotes: 0, connected: false });
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
      this.setData({
        connected: state.connected,
        totalVotes: state.totals.votes,
        error: state.error,
        rows: state.entries.map((e) => ({ ...e, name: this.names.get(e.candidateId) ?? e.candidateId })),
      });
    },
  },
});
