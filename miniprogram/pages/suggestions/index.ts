import { SUGGESTION_STATUS_LABELS } from '../../protocol/entries.js';
import { listSuggestions } from '../../services/entries.js';
import { ApiError } from '../../services/request.js';
import { definePage } from '../../utils/page.js';

interface Row {
  id: string;
  title: string;
  status: string;
  statusLabel: string;
}

/** A suggestion box's suggestions (政务建议), each with its status; a tap opens its timeline. */
definePage()({
  data: { campaignId: '', rows: [] as Row[], loading: true, error: '' },
  methods: {
    onLoad(query: Record<string, string | undefined>): Promise<void> {
      this.setData({ campaignId: query.campaignId ?? '' });
      return this.load();
    },
    onPullDownRefresh(): Promise<void> {
      return this.load().then(() => {
        wx.stopPullDownRefresh();
      });
    },
    async load(): Promise<void> {
      this.setData({ loading: true, error: '' });
      try {
        const suggestions = await listSuggestions(this.data.campaignId);
        this.setData({
          rows: suggestions.map((s) => ({
            id: s.id,
            title: s.title,
            status: s.status,
            statusLabel: SUGGESTION_STATUS_LABELS[s.status],
          })),
          loading: false,
        });
      } catch (error) {
        this.setData({
          loading: false,
          error: error instanceof ApiError ? error.message : '加载失败，请下拉重试',
        });
      }
    },
    openSuggestion(event: WechatMiniprogram.BaseEvent<Record<string, never>, { id: string }>) {
      wx.navigateTo({
        url: `/pages/suggestion/index?campaignId=${this.data.campaignId}&entryId=${event.currentTarget.dataset.id}`,
      });
    },
  },
});
