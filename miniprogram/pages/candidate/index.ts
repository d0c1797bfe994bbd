import type { BoardKind, PublicCampaign } from '../../protocol/campaigns.js';
import { acceptsVotes } from '../../protocol/campaigns.js';
import { SHARE_PAGE } from '../../protocol/referrals.js';
import { voteFromTap } from '../../services/actions.js';
import { saveToAlbum } from '../../services/album.js';
import { createShareLink, getCampaign, readMember, shareCodeUrl } from '../../services/api.js';
import { DwellClock } from '../../services/dwell.js';
import { likedCandidates } from '../../services/likes.js';
import { download, drawPoster, type PosterCanvas } from '../../services/poster.js';
import { resolveEntry } from '../../services/referral.js';
import { ApiError } from '../../services/request.js';
import { momentsPost, offerSharing } from '../../services/share.js';
import { loadTemplates } from '../../services/subscriptions.js';
import { candidateUnlocks, type UnlockRow, whenDecided } from '../../services/unlocks.js';
import { definePage } from '../../utils/page.js';
import { rereadCampaign, ScheduleWatch } from '../campaign/schedule-watch.js';

interface Extra {
  campaign: PublicCampaign | null;
  dwell: DwellClock;
  /** Hidden since it was last shown: what it shows may have changed meanwhile. */
  wasHidden: boolean;
  /** Closed: the waits for a like to count stop. */
  gone: boolean;
  /** Each second while shown: whether the campaign's start or end has come (see ScheduleWatch). */
  schedule: ScheduleWatch;
  timer: ReturnType<typeof setInterval> | undefined;
}

const messageOf = (error: unknown, fallback: string) =>
  error instanceof ApiError ? error.message : fallback;

/**
 * A candidate: photo, name, rank, a vote or like button, sharing (助力) and a poster. Opened
 * from the campaign page, from a shared link (its path carries the share token) or from a
 * scanned mini-program code (the token is its `scene`); the share is remembered so the
 * referral counts when this participant votes. Sharing earns nothing: it only invites. On a like
 * campaign it also shows what a like of this candidate opens (点赞解锁).
 */
definePage<Extra>()({
  data: {
    campaignId: '',
    candidateId: '',
    campaignTitle: '',
    name: '',
    imageUrl: '',
    description: '',
    kind: 'vote' as BoardKind,
    canVote: false,
    liked: false,
    rankText: '',
    score: 0,
    shareToken: '',
    sharePath: '',
    busy: false,
    posterPath: '',
    posterBusy: false,
    unlocks: [] as UnlockRow[],
    error: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>): Promise<void> {
      this.dwell = new DwellClock();
      this.campaign = null;
      this.wasHidden = false;
      this.gone = false;
      this.timer = undefined;
      this.schedule = new ScheduleWatch(
        () => this.campaign,
        () => this.refreshStatus(),
      );
      offerSharing();
      void loadTemplates();
      return this.load(query);
    },
    onShow() {
      this.dwell.shown();
      // Back from elsewhere (the campaign page, another app): a like may have counted or been
      // taken back meanwhile, a shared goal may have been reached, and the campaign may have
      // started or ended.
      if (this.wasHidden)
        void Promise.all([this.refreshLiked(), this.refreshUnlocks(), this.refreshStatus()]);
      this.wasHidden = false;
      this.stopWatch();
      this.timer = setInterval(() => this.schedule.check(), 1_000);
    },
    onHide() {
      this.dwell.hidden();
      this.wasHidden = true;
      this.stopWatch();
    },
    onUnload() {
      this.gone = true;
      this.stopWatch();
    },
    stopWatch() {
      if (this.timer !== undefined) clearInterval(this.timer);
      this.timer = undefined;
    },
    /** Reads the campaign's status again: whether the button takes votes follows. Whether it moved. */
    refreshStatus(): Promise<boolean> {
      return rereadCampaign(this, (campaign) => this.setData({ canVote: acceptsVotes(campaign.status) }));
    },
    async load(query: Record<string, string | undefined>): Promise<void> {
      try {
        const entry = await resolveEntry(query);
        if (!entry) {
          this.setData({ error: '链接不完整，找不到这位选手' });
          return;
        }
        const campaign = await getCampaign(entry.campaignId);
        const member = campaign.members.find((m) => m.candidateId === entry.candidateId);
        if (!member) {
          this.setData({ error: '活动中没有这位选手' });
          return;
        }
        this.campaign = campaign;
        wx.setNavigationBarTitle({ title: member.name });
        this.setData({
          campaignId: campaign.id,
          candidateId: member.candidateId,
          campaignTitle: campaign.title,
          name: member.name,
          imageUrl: member.imageUrl ?? '',
          description: member.description ?? '',
          kind: campaign.kind,
          canVote: acceptsVotes(campaign.status),
          error: '',
        });
        await Promise.all([
          this.refreshStanding(),
          this.prepareShare(),
          this.refreshLiked(),
          this.refreshUnlocks(),
        ]);
      } catch (error) {
        this.setData({ error: messageOf(error, '加载失败，请稍后再试') });
      }
    },
    async refreshStanding(): Promise<void> {
      const view = await readMember(this.data.campaignId, this.data.candidateId).catch(() => null);
      if (!view) return;
      this.setData({
        score: view.member.score,
        rankText: view.member.rank === null ? '暂未上榜' : `第 ${view.member.rank} 名`,
      });
    },
    async refreshLiked(): Promise<void> {
      if (this.data.kind !== 'like') return;
      const liked = await likedCandidates(this.data.campaignId, [this.data.candidateId]).catch(
        () => new Set<string>(),
      );
      this.setData({ liked: liked.has(this.data.candidateId) });
    },
    /** What this candidate's likes open: the content only of the items open to me. */
    async refreshUnlocks(): Promise<void> {
      if (this.data.kind !== 'like') return;
      const unlocks = await candidateUnlocks(this.data.campaignId, this.data.candidateId).catch(() => null);
      if (unlocks) this.setData({ unlocks });
    },
    /**
     * After a like or an unlike is accepted: the workers count it a moment later, and only then
     * does it change what is open (and the score). Re-reads once it is decided, not at the tap.
     */
    async afterDecided(voteId: string): Promise<void> {
      if (!(await whenDecided(this.data.campaignId, voteId, () => this.gone))) return;
      await Promise.all([this.refreshStanding(), this.refreshLiked(), this.refreshUnlocks()]);
    },
    /** My share link for this candidate, made ahead so onShareAppMessage can answer at once. */
    async prepareShare(): Promise<void> {
      const link = await createShareLink(this.data.campaignId, this.data.candidateId).catch(() => null);
      if (link) this.setData({ shareToken: link.shareToken, sharePath: link.path });
    },
    onShareAppMessage(): WechatMiniprogram.Page.ICustomShareContent {
      const fallback = `${SHARE_PAGE}?campaignId=${this.data.campaignId}&candidateId=${this.data.candidateId}`;
      return {
        title: `来为 ${this.data.name} 助力吧`,
        path: `/${this.data.sharePath || fallback}`,
        ...(this.data.imageUrl ? { imageUrl: this.data.imageUrl } : {}),
      };
    },
    onShareTimeline(): WechatMiniprogram.Page.ICustomTimelineContent {
      return momentsPost(
        `${this.data.name}｜${this.data.campaignTitle}`,
        `campaignId=${this.data.campaignId}&candidateId=${this.data.candidateId}`,
      );
    },
    /** The vote or like button: one tap, one vote. */
    async tapVote(): Promise<void> {
      if (this.data.busy) return;
      const action = this.data.kind === 'vote' ? 'vote' : this.data.liked ? 'unlike' : 'like';
      this.setData({ busy: true });
      const outcome = await voteFromTap({
        boardId: this.data.campaignId,
        candidateId: this.data.candidateId,
        action,
        dwell: this.dwell,
      });
      this.setData({ busy: false, ...(outcome.ok && action !== 'vote' ? { liked: action === 'like' } : {}) });
      if (outcome.ok && action !== 'vote') void this.afterDecided(outcome.voteId);
    },
    /** Draws the poster: the photo and the mini-program code from the server, on a canvas. */
    async makePoster(): Promise<void> {
      if (this.data.posterBusy) return;
      this.setData({ posterBusy: true });
      try {
        if (!this.data.shareToken) await this.prepareShare();
        if (!this.data.shareToken) throw new Error('no share token');
        const [photoPath, codePath] = await Promise.all([
          this.data.imageUrl ? download(this.data.imageUrl) : Promise.resolve(undefined),
          download(shareCodeUrl(this.data.shareToken)),
        ]);
        const canvas = await new Promise<PosterCanvas>((resolve, reject) => {
          this.createSelectorQuery()
            .select('#poster')
            .fields({ node: true, size: true })
            .exec((res: { node?: PosterCanvas }[]) =>
              res[0]?.node ? resolve(res[0].node) : reject(new Error('no canvas')),
            );
        });
        await drawPoster(
          canvas,
          {
            campaignTitle: this.data.campaignTitle,
            candidateName: this.data.name,
            codePath,
            ...(photoPath ? { photoPath } : {}),
          },
          wx.getWindowInfo().pixelRatio,
        );
        const posterPath = await new Promise<string>((resolve, reject) => {
          wx.canvasToTempFilePath({
            canvas: canvas as unknown as WechatMiniprogram.Canvas,
            success: (res) => resolve(res.tempFilePath),
            fail: reject,
          });
        });
        this.setData({ posterPath });
      } catch {
        wx.showToast({ title: '海报生成失败，请稍后再试', icon: 'none' });
      } finally {
        this.setData({ posterBusy: false });
      }
    },
    /** Saves the poster: only on this tap, and only with the album permission. */
    async savePoster(): Promise<void> {
      if (!this.data.posterPath) return;
      const { saved, message } = await saveToAlbum(this.data.posterPath);
      wx.showToast({ title: message, icon: saved ? 'success' : 'none' });
    },
    closePoster() {
      this.setData({ posterPath: '' });
    },
    openCampaign() {
      wx.navigateTo({ url: `/pages/campaign/index?campaignId=${this.data.campaignId}` });
    },
  },
});
