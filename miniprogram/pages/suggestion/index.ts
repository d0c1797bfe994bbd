import { SUGGESTION_STATUS_LABELS, type SuggestionView } from '../../protocol/entries.js';
import { voteFromTap } from '../../services/actions.js';
import { DwellClock } from '../../services/dwell.js';
import { readSuggestion } from '../../services/entries.js';
import { shortTime } from '../../services/format.js';
import { likedCandidates } from '../../services/likes.js';
import { ApiError } from '../../services/request.js';
import { askToHear, loadTemplates } from '../../services/subscriptions.js';
import { definePage } from '../../utils/page.js';

interface Step {
  key: string;
  label: string;
  time: string;
  reply: string;
}

interface Extra {
  dwell: DwellClock;
}

const stepsOf = (s: SuggestionView): Step[] =>
  s.timeline.map((step, i) => ({
    key: `${step.status}-${i}`,
    label: SUGGESTION_STATUS_LABELS[step.status],
    time: shortTime(step.at),
    reply: step.reply ?? '',
  }));

/**
 * One suggestion (政务建议): what it asks, its status, the public reply and its timeline. A like
 * is a like on its candidate; the like's tap (and 进度通知我) asks to hear of its next move.
 */
definePage<Extra>()({
  data: {
    campaignId: '',
    entryId: '',
    candidateId: '',
    title: '',
    text: '',
    images: [] as string[],
    status: '',
    statusLabel: '',
    reply: '',
    steps: [] as Step[],
    moving: false,
    liked: false,
    busy: false,
    loading: true,
    error: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>): Promise<void> {
      this.dwell = new DwellClock();
      this.setData({ campaignId: query.campaignId ?? '', entryId: query.entryId ?? '' });
      void loadTemplates();
      return this.load();
    },
    onShow() {
      this.dwell.shown();
    },
    onHide() {
      this.dwell.hidden();
    },
    async load(): Promise<void> {
      this.setData({ loading: true, error: '' });
      try {
        const s = await readSuggestion(this.data.campaignId, this.data.entryId);
        const liked = await likedCandidates(this.data.campaignId, [s.candidateId]).catch(
          () => new Set<string>(),
        );
        this.setData({
          candidateId: s.candidateId,
          title: s.title,
          text: s.text ?? '',
          images: s.images.map((i) => i.url),
          status: s.status,
          statusLabel: SUGGESTION_STATUS_LABELS[s.status],
          reply: s.reply ?? '',
          steps: stepsOf(s),
          moving: s.status === 'received' || s.status === 'under-study',
          liked: liked.has(s.candidateId),
          loading: false,
        });
      } catch (error) {
        this.setData({
          loading: false,
          error: error instanceof ApiError ? error.message : '加载失败，请稍后重试',
        });
      }
    },
    /** 点赞 (or 取消): a like on the suggestion's candidate; the tap offers 进度通知 first. */
    async tapLike(): Promise<void> {
      if (this.data.busy) return;
      const action = this.data.liked ? 'unlike' : 'like';
      this.setData({ busy: true });
      const outcome = await voteFromTap({
        boardId: this.data.campaignId,
        candidateId: this.data.candidateId,
        action,
        dwell: this.dwell,
        ...(this.data.moving
          ? {
              hear: {
                event: 'suggestion-progress' as const,
                entryId: this.data.entryId,
                at: this.data.status,
              },
            }
          : {}),
      });
      this.setData({ busy: false, ...(outcome.ok ? { liked: action === 'like' } : {}) });
    },
    /** 进度通知我: one message at its next move; nothing else comes of it. */
    async tapFollow(): Promise<void> {
      // The user's own tap on this button: asked every time (each accept allows one message).
      const outcome = await askToHear('suggestion-progress', this.data.campaignId, this.data.entryId, {
        at: this.data.status,
        again: true,
      });
      if (outcome === 'recorded') wx.showToast({ title: '有进展时会通知你', icon: 'success' });
      else if (outcome === 'unavailable') wx.showToast({ title: '暂时无法设置通知', icon: 'none' });
    },
  },
});
