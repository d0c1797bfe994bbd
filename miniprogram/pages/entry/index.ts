import type { EntrySettingsView } from '../../protocol/entries.js';
import { getCampaign } from '../../services/api.js';
import { chooseImages, entrySettings, submitEntry, uploadImage } from '../../services/entries.js';
import { ApiError } from '../../services/request.js';
import { askToHear, loadTemplates } from '../../services/subscriptions.js';
import { definePage } from '../../utils/page.js';

/** One picture of the form: uploading, uploaded (its id), or refused (why, in Chinese). */
interface Picture {
  path: string;
  state: 'uploading' | 'done' | 'failed';
  imageId: string;
  error: string;
}

type Settings = NonNullable<EntrySettingsView['settings']>;

const uploading = (pictures: Picture[]) => pictures.some((p) => p.state === 'uploading');

/** What keeps the form from being sent, in Chinese; '' when it can go. */
function formProblem(
  data: { entryTitle: string; entryText: string; pictures: Picture[] },
  s: Settings,
): string {
  if (!data.entryTitle.trim()) return '请填写作品名称';
  if (s.text === 'required' && !data.entryText.trim()) return '请填写作品说明';
  if (uploading(data.pictures)) return '图片还在上传，请稍候';
  const done = data.pictures.filter((p) => p.state === 'done').length;
  if (done < s.minImages) return `请至少上传 ${s.minImages} 张图片`;
  return '';
}

/**
 * 报名: the campaign's entry form. Pictures are picked (wx.chooseMedia) and uploaded one by one
 * (wx.uploadFile) as they are added; the entry is sent with the uploaded ones. After sending, the
 * author may ask to be told the review's result (审核结果), from its own tap.
 */
definePage()({
  data: {
    campaignId: '',
    title: '',
    open: false,
    textRule: 'optional' as Settings['text'],
    minImages: 0,
    maxImages: 0,
    entryTitle: '',
    entryText: '',
    pictures: [] as Picture[],
    submitting: false,
    submittedId: '',
    problem: '',
    loading: true,
    error: '',
  },
  methods: {
    async onLoad(query: Record<string, string | undefined>): Promise<void> {
      const campaignId = query.campaignId ?? '';
      this.setData({ campaignId });
      void loadTemplates();
      try {
        const [campaign, view] = await Promise.all([getCampaign(campaignId), entrySettings(campaignId)]);
        const s = view.settings;
        this.setData({
          title: campaign.title,
          open: view.open,
          textRule: s?.text ?? 'off',
          minImages: s?.minImages ?? 0,
          maxImages: s?.maxImages ?? 0,
          loading: false,
          ...(view.open ? {} : { error: s ? '现在不在报名时间内' : '这个活动不接受报名' }),
        });
      } catch (error) {
        this.setData({
          loading: false,
          error: error instanceof ApiError ? error.message : '加载失败，请稍后重试',
        });
      }
    },
    inputTitle(event: WechatMiniprogram.Input) {
      this.setData({ entryTitle: event.detail.value, problem: '' });
    },
    inputText(event: WechatMiniprogram.Input) {
      this.setData({ entryText: event.detail.value, problem: '' });
    },
    /** Adds pictures, up to the form's most, each uploaded at once. */
    async tapAddPictures(): Promise<void> {
      const room = this.data.maxImages - this.data.pictures.filter((p) => p.state !== 'failed').length;
      if (room <= 0) return;
      const paths = await chooseImages(room);
      const kept = this.data.pictures.filter((p) => p.state !== 'failed');
      this.setData({
        pictures: [
          ...kept,
          ...paths.map((path): Picture => ({ path, state: 'uploading', imageId: '', error: '' })),
        ],
      });
      for (const path of paths) {
        let done: Partial<Picture>;
        try {
          done = { state: 'done', imageId: (await uploadImage(this.data.campaignId, path)).imageId };
        } catch (error) {
          done = { state: 'failed', error: error instanceof ApiError ? error.message : '上传失败，请重试' };
        }
        this.setData({ pictures: this.data.pictures.map((p) => (p.path === path ? { ...p, ...done } : p)) });
      }
    },
    tapRemovePicture(event: WechatMiniprogram.BaseEvent<Record<string, never>, { path: string }>) {
      this.setData({
        pictures: this.data.pictures.filter((p) => p.path !== event.currentTarget.dataset.path),
      });
    },
    async tapSubmit(): Promise<void> {
      if (this.data.submitting || !this.data.open) return;
      const problem = formProblem(this.data, {
        text: this.data.textRule,
        minImages: this.data.minImages,
      } as Settings);
      if (problem) return this.setData({ problem });
      this.setData({ submitting: true, problem: '' });
      try {
        const entry = await submitEntry(this.data.campaignId, {
          title: this.data.entryTitle.trim(),
          text: this.data.textRule === 'off' ? undefined : this.data.entryText.trim(),
          imageIds: this.data.pictures.filter((p) => p.state === 'done').map((p) => p.imageId),
        });
        this.setData({ submitting: false, submittedId: entry.id });
      } catch (error) {
        this.setData({
          submitting: false,
          problem: error instanceof ApiError ? error.message : '提交失败，请重试',
        });
      }
    },
    /** 审核结果: from its own tap, as WeChat asks; nothing else comes of it. */
    async tapNotifyMe(): Promise<void> {
      const outcome = await askToHear('entry-reviewed', this.data.campaignId, this.data.submittedId);
      if (outcome === 'recorded' || outcome === 'asked')
        wx.showToast({ title: '审核后会通知你', icon: 'success' });
      else if (outcome === 'unavailable') wx.showToast({ title: '暂时无法设置通知', icon: 'none' });
    },
    openMyEntries() {
      wx.navigateTo({ url: `/pages/my-entries/index?campaignId=${this.data.campaignId}` });
    },
  },
});
