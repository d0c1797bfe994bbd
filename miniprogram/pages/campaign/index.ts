import { acceptsVotes, type BoardKind, type PublicCampaign } from '../../protocol/campaigns.js';
import { voteFromTap } from '../../services/actions.js';
import { getCampaign, readQuota } from '../../services/api.js';
import { DwellClock } from '../../services/dwell.js';
import { entrySettings } from '../../services/entries.js';
import { CAMPAIGN_STATUS_LABELS, campaignCountdown, remainingText } from '../../services/format.js';
import { likedCandidates } from '../../services/likes.js';
import { ApiError } from '../../services/request.js';
import { campaignLotteries, campaignMatches, type MatchRow, rewardRules } from '../../services/rewards.js';
import { chatCard, momentsPost, offerSharing } from '../../services/share.js';
import { askToHear, loadTemplates } from '../../services/subscriptions.js';
import { definePage } from '../../utils/page.js';
import { rereadCampaign, ScheduleWatch } from './schedule-watch.js';

interface CandidateCard {
  candidateId: string;
  name: string;
  imageUrl: string;
  group: string;
  liked: boolean;
  /** Its vote or like is being sent: this button waits, the others do not. */
  busy: boolean;
}

interface Extra {
  campaign: PublicCampaign | null;
  dwell: DwellClock;
  timer: number | undefined;
  /** Hidden since it was last shown: the campaign may have moved meanwhile. */
  wasHidden: boolean;
  schedule: ScheduleWatch;
}

/** What the page shows of a campaign's status: whether its buttons take votes now, and its countdown. */
const statusView = (campaign: PublicCampaign) => ({
  statusLabel: CAMPAIGN_STATUS_LABELS[campaign.status],
  canVote: acceptsVotes(campaign.status),
  canRemind: campaign.status === 'scheduled',
  countdown: campaignCountdown(campaign.status, campaign.schedule),
});

/**
 * A campaign: its candidates in a grid, each with a vote (or like) button that says what it
 * does, today's remaining votes, and a countdown to the start or the end.
 */
definePage<Extra>()({
  data: {
    campaignId: '',
    title: '',
    description: '',
    kind: 'vote' as BoardKind,
    statusLabel: '',
    canVote: false,
    /** A scheduled campaign offers a reminder at its start (开始提醒). */
    canRemind: false,
    /** The campaign takes entries (报名) now; `hasEntries`: it takes entries at all (我的报名). */
    canEnter: false,
    hasEntries: false,
    hasRewards: false,
    /** The campaign's lotteries not drawn yet, each with the SHA-256 of its seed, published before the start. */
    lotteries: [] as { id: string; name: string; commitment: string }[],
    /** Donation matching (公益配捐): each pledge and what counted votes have matched. */
    matches: [] as MatchRow[],
    /** A suggestion box (政务建议): its suggestions and their progress. */
    isSuggestionBox: false,
    countdown: '',
    quotaText: '',
    candidates: [] as CandidateCard[],
    /** On a like campaign, why what I like could not be read ('' when it was): the page shows all the same. */
    likesError: '',
    loading: true,
    error: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>): Promise<void> {
      this.dwell = new DwellClock();
      this.campaign = null;
      this.wasHidden = false;
      this.schedule = new ScheduleWatch(
        () => this.campaign,
        () => this.refreshStatus(),
      );
      // Opened from a list or a share: ?campaignId=. Scanned from a big screen's join code: the
      // code's `scene` is the campaign id (URL-encoded by WeChat).
      const scanned = query.scene === undefined ? undefined : decodeURIComponent(query.scene);
      offerSharing();
      void loadTemplates();
      return this.load(query.campaignId ?? scanned ?? '');
    },
    onShareAppMessage(): WechatMiniprogram.Page.ICustomShareContent {
      return chatCard(this.data.title, 'pages/campaign/index', `campaignId=${this.data.campaignId}`);
    },
    onShareTimeline(): WechatMiniprogram.Page.ICustomTimelineContent {
      return momentsPost(this.data.title, `campaignId=${this.data.campaignId}`);
    },
    onShow() {
      this.dwell.shown();
      this.startCountdown();
      // Back from elsewhere (another page, another app): the campaign may have started or ended.
      if (this.wasHidden) void this.refreshStatus();
      this.wasHidden = false;
    },
    onHide() {
      this.dwell.hidden();
      this.stopCountdown();
      this.wasHidden = true;
    },
    onUnload() {
      this.stopCountdown();
    },
    onPullDownRefresh(): Promise<void> {
      return this.load(this.data.campaignId).then(() => {
        wx.stopPullDownRefresh();
      });
    },
    async load(campaignId: string): Promise<void> {
      this.setData({ campaignId, loading: true, error: '' });
      try {
        const campaign = await getCampaign(campaignId);
        this.campaign = campaign;
        wx.setNavigationBarTitle({ title: campaign.title });
        const liked = await this.likedOf(campaign);
        const busy = new Set(this.data.candidates.filter((c) => c.busy).map((c) => c.candidateId));
        this.setData({
          title: campaign.title,
          description: campaign.description,
          kind: campaign.kind,
          ...statusView(campaign),
          candidates: campaign.members.map((m) => ({
            candidateId: m.candidateId,
            name: m.name,
            imageUrl: m.imageUrl ?? '',
            group: m.group ?? '',
            liked: liked.has(m.candidateId),
            busy: busy.has(m.candidateId),
          })),
          loading: false,
        });
        await Promise.all([this.refreshQuota(), this.refreshEntries(), this.refreshRewards()]);
      } catch (error) {
        this.setData({
          loading: false,
          error: error instanceof ApiError ? error.message : '加载失败，请下拉重试',
        });
      }
    },
    /**
     * Which candidates I like, on a like campaign. Reading it needs a sign-in; a failed one (or
     * read) is said beside the candidates, which show all the same: reading needs no sign-in.
     */
    async likedOf(campaign: PublicCampaign): Promise<Set<string>> {
      if (campaign.kind !== 'like') return new Set();
      const ids = campaign.members.map((m) => m.candidateId);
      try {
        const liked = await likedCandidates(campaign.id, ids);
        this.setData({ likesError: '' });
        return liked;
      } catch (error) {
        const why = error instanceof ApiError ? `（${error.message}）` : '';
        this.setData({ likesError: `暂时没能读取你点过的赞${why}，下拉刷新可重试` });
        return new Set();
      }
    },
    /**
     * Reads the campaign's status again (its start or end came, or the host moved it), and what
     * the buttons offer follows. Whether the status moved; a failure keeps what is shown.
     */
    refreshStatus(): Promise<boolean> {
      return rereadCampaign(this, (campaign) => this.setData(statusView(campaign)));
    },
    async refreshQuota(): Promise<void> {
      if (this.data.kind !== 'vote') return this.setData({ quotaText: '' });
      try {
        const quota = await readQuota(this.data.campaignId);
        this.setData({ quotaText: remainingText(quota.remainingToday) });
      } catch (error) {
        this.setData({ quotaText: error instanceof ApiError ? error.message : '' });
      }
    },
    /** Whether to offer 我要报名 and 我的报名; a failure offers neither. */
    async refreshEntries(): Promise<void> {
      try {
        const view = await entrySettings(this.data.campaignId);
        this.setData({
          canEnter: view.open,
          hasEntries: view.settings !== null,
          isSuggestionBox: view.settings?.purpose === 'suggestions',
        });
      } catch {
        this.setData({ canEnter: false, hasEntries: false, isSuggestionBox: false });
      }
    },
    /** Whether the campaign has reward rules (their terms one tap away), and its lotteries' commitments. */
    async refreshRewards(): Promise<void> {
      try {
        const [rules, lotteries, matches] = await Promise.all([
          rewardRules(this.data.campaignId),
          campaignLotteries(this.data.campaignId),
          campaignMatches(this.data.campaignId),
        ]);
        this.setData({
          matches,
          hasRewards: rules.some((r) => r.enabled) || lotteries.length > 0,
          lotteries: lotteries
            .filter((l) => l.status === 'committed')
            .map(({ id, name, commitment }) => ({ id, name, commitment })),
        });
      } catch {
        this.setData({ hasRewards: false, lotteries: [], matches: [] });
      }
    },
    startCountdown() {
      this.stopCountdown();
      this.timer = setInterval(() => {
        const c = this.campaign;
        if (c) this.setData({ countdown: campaignCountdown(c.status, c.schedule) });
        this.schedule.check();
      }, 1_000) as unknown as number;
    },
    stopCountdown() {
      if (this.timer !== undefined) clearInterval(this.timer);
      this.timer = undefined;
    },
    /**
     * The vote or like button: one tap, one vote; nothing is cast without it. The button waits
     * while its vote is sent; the other candidates' buttons take their own taps meanwhile.
     */
    async tapVote(event: WechatMiniprogram.BaseEvent<Record<string, never>, { id: string }>): Promise<void> {
      const candidateId = event.currentTarget.dataset.id;
      const card = this.data.candidates.find((c) => c.candidateId === candidateId);
      if (!card || card.busy) return;
      const action = this.data.kind === 'vote' ? 'vote' : card.liked ? 'unlike' : 'like';
      this.updateCard(candidateId, { busy: true });
      const outcome = await voteFromTap({
        boardId: this.data.campaignId,
        candidateId,
        action,
        dwell: this.dwell,
      });
      this.updateCard(candidateId, {
        busy: false,
        ...(outcome.ok && action !== 'vote' ? { liked: action === 'like' } : {}),
      });
      if (this.data.kind === 'vote') await this.refreshQuota();
    },
    /** Changes one candidate's card, as the cards are now. */
    updateCard(candidateId: string, changes: Partial<CandidateCard>) {
      this.setData({
        candidates: this.data.candidates.map((c) =>
          c.candidateId === candidateId ? { ...c, ...changes } : c,
        ),
      });
    },
    /** 开始提醒: asks WeChat to let us tell them when voting opens; nothing else comes of it. */
    async tapRemind(): Promise<void> {
      const outcome = await askToHear('campaign-started', this.data.campaignId);
      if (outcome === 'recorded' || outcome === 'asked') {
        wx.showToast({ title: '开始时会通知你', icon: 'success' });
      } else if (outcome === 'unavailable') {
        wx.showToast({ title: '暂时无法设置提醒', icon: 'none' });
      }
    },
    openCandidate(event: WechatMiniprogram.BaseEvent<Record<string, never>, { id: string }>) {
      wx.navigateTo({
        url: `/pages/candidate/index?campaignId=${this.data.campaignId}&candidateId=${event.currentTarget.dataset.id}`,
      });
    },
    openRanking() {
      wx.navigateTo({ url: `/pages/ranking/index?campaignId=${this.data.campaignId}` });
    },
    openEntry() {
      wx.navigateTo({ url: `/pages/entry/index?campaignId=${this.data.campaignId}` });
    },
    openSuggestions() {
      wx.navigateTo({ url: `/pages/suggestions/index?campaignId=${this.data.campaignId}` });
    },
    openMyEntries() {
      wx.navigateTo({ url: `/pages/my-entries/index?campaignId=${this.data.campaignId}` });
    },
    openRewards() {
      wx.navigateTo({ url: `/pages/my-rewards/index?campaignId=${this.data.campaignId}` });
    },
    openMyVotes() {
      wx.navigateTo({ url: `/pages/my-votes/index?campaignId=${this.data.campaignId}` });
    },
  },
});
