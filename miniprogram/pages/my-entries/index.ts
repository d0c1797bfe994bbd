import type { EntryView } from '../../protocol/entries.js';
import { ENTRY_STATUS_LABELS, myEntries, withdrawable, withdrawEntry } from '../../services/entries.js';
import { shortTime } from '../../services/format.js';
import { ApiError } from '../../services/request.js';
import { definePage } from '../../utils/page.js';

interface Row {
  id: string;
  title: string;
  status: EntryView['status'];
  statusLabel: string;
  reason: string;
  images: string[];
  canWithdraw: boolean;
  /** The entry's life so far, oldest first: what happened and when. */
  timeline: { key: string; label: string; time: string; note: string }[];
}

function rowOf(entry: EntryView): Row {
  return {
    id: entry.id,
    title: entry.title,
    status: entry.status,
    statusLabel: ENTRY_STATUS_LABELS[entry.status],
    reason: entry.status === 'rejected' || entry.status === 'removed' ? (entry.reason ?? '') : '',
    images: entry.images.map((i) => i.url),
    canWithdraw: withdrawable(entry),
    timeline: entry.history.map((h, i) => ({
      key: `${entry.id}-${i}`,
      label: ENTRY_STATUS_LABELS[h.status],
      time: shortTime(h.at),
      note: h.note ?? '',
    })),
  };
}

/** 我的报名: my entries (in one campaign), each with its status, a rejection's or removal's reason and its timeline. */
definePage()({
  data: { campaignId: '', rows: [] as Row[], loading: true, busy: '', error: '' },
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
        const entries = await myEntries(this.data.campaignId || undefined);
        this.setData({ rows: entries.map(rowOf), loading: false });
      } catch (error) {
        this.setData({
          loading: false,
          error: error instanceof ApiError ? error.message : '加载失败，请下拉重试',
        });
      }
    },
    /** Withdraws an entry not decided yet, after asking. */
    tapWithdraw(event: WechatMiniprogram.BaseEvent<Record<string, never>, { id: string }>): Promise<void> {
      const entryId = event.currentTarget.dataset.id;
      return new Promise((resolve) => {
        wx.showModal({
          title: '撤回报名',
          content: '撤回后作品和图片将被删除，可以重新报名。',
          confirmText: '撤回',
          success: (answer) => {
            if (!answer.confirm) return resolve();
            this.setData({ busy: entryId });
            withdrawEntry(entryId)
              .then(() => wx.showToast({ title: '已撤回', icon: 'success' }))
              .catch((error: unknown) =>
                wx.showToast({ title: error instanceof ApiError ? error.message : '撤回失败', icon: 'none' }),
              )
              .then(() => {
                this.setData({ busy: '' });
                return this.load();
              })
              .then(resolve);
          },
          fail: () => resolve(),
        });
      });
    },
  },
});
