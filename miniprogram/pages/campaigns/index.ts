import type { PublicCampaign } from '../../protocol/campaigns.js';
import { listCampaigns } from '../../services/api.js';
import { CAMPAIGN_STATUS_LABELS } from '../../services/format.js';
import {
  type CampaignPick,
  type CandidatePick,
  myPicks,
  setPersonalized,
} from '../../services/recommendations.js';
import { ApiError } from '../../services/request.js';
import { chatCard, momentsPost, offerSharing } from '../../services/share.js';
import { definePage } from '../../utils/page.js';

interface CampaignItem {
  id: string;
  title: string;
  coverImageUrl: string;
  kindLabel: string;
  statusLabel: string;
  live: boolean;
}

const itemOf = (c: PublicCampaign): CampaignItem => ({
  id: c.id,
  title: c.title,
  coverImageUrl: c.coverImageUrl ?? '',
  kindLabel: c.kind === 'vote' ? '投票' : '点赞',
  statusLabel: CAMPAIGN_STATUS_LABELS[c.status],
  live: c.status === 'live' || c.status === 'frozen',
});

/**
 * The public campaigns, newest first; pull down to refresh, scroll down for more. Above them,
 * 猜你喜欢 for a participant signed in on this phone: asked again each time the list shows, since
 * what they voted for or liked meanwhile is no longer suggested.
 */
definePage<{ nextCursor: string | null; shown: boolean }>()({
  data: {
    campaigns: [] as CampaignItem[],
    loading: true,
    error: '',
    more: false,
    pickCandidates: [] as CandidatePick[],
    pickCampaigns: [] as CampaignPick[],
    /** Whether the suggestions follow my likes (个性化推荐), which I may turn off. */
    personalized: true,
  },
  methods: {
    onLoad(): Promise<void> {
      offerSharing();
      this.shown = false;
      return Promise.all([this.load(true), this.loadPicks()]).then(() => undefined);
    },
    onShow(): void {
      // The first show follows onLoad, which asked already.
      if (this.shown) void this.loadPicks();
      this.shown = true;
    },
    onShareAppMessage(): WechatMiniprogram.Page.ICustomShareContent {
      return chatCard('正在进行的投票与点赞活动', 'pages/campaigns/index');
    },
    onShareTimeline(): WechatMiniprogram.Page.ICustomTimelineContent {
      return momentsPost('正在进行的投票与点赞活动');
    },
    onPullDownRefresh(): Promise<void> {
      return Promise.all([this.load(true), this.loadPicks()]).then(() => {
        wx.stopPullDownRefresh();
      });
    },
    onReachBottom(): Promise<void> {
      if (this.data.more && !this.data.loading) return this.load(false);
      return Promise.resolve();
    },
    async load(fresh: boolean): Promise<void> {
      this.setData({ loading: true, error: '' });
      try {
        const page = await listCampaigns(fresh ? undefined : (this.nextCursor ?? undefined));
        this.nextCursor = page.nextCursor;
        const items = page.campaigns.map(itemOf);
        this.setData({
          campaigns: fresh ? items : [...this.data.campaigns, ...items],
          more: page.nextCursor !== null,
          loading: false,
        });
      } catch (error) {
        this.setData({
          loading: false,
          error: error instanceof ApiError ? error.message : '加载失败，请下拉重试',
        });
      }
    },
    /** Suggestions are extra: when they cannot be had, the section is not shown, and nothing is said. */
    async loadPicks(): Promise<void> {
      const picks = await myPicks().catch(() => ({ candidates: [], campaigns: [], personalized: true }));
      this.setData({
        pickCandidates: picks.candidates,
        pickCampaigns: picks.campaigns,
        personalized: picks.personalized,
      });
    },
    /** 个性化推荐 on or off, as the participant chooses (off: popular suggestions only). */
    async togglePersonalized(): Promise<void> {
      await setPersonalized(!this.data.personalized).catch(() => undefined);
      await this.loadPicks();
    },
    open(event: WechatMiniprogram.BaseEvent<Record<string, never>, { id: string }>) {
      wx.navigateTo({ url: `/pages/campaign/index?campaignId=${event.currentTarget.dataset.id}` });
    },
    /** A suggestion's candidate or campaign page. */
    openPick(event: WechatMiniprogram.BaseEvent<Record<string, never>, { url: string }>) {
      wx.navigateTo({ url: event.currentTarget.dataset.url });
    },
  },
});
