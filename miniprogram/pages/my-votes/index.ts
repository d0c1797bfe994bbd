import type { BoardKind } from '../../protocol/campaigns.js';
import { getCampaign } from '../../services/api.js';
import { shortTime } from '../../services/format.js';
import { type MyVoteRow, myVotesPage } from '../../services/my-votes.js';
import { myInvitees, thanksFor } from '../../services/referrals.js';
import { ApiError } from '../../services/request.js';
import { definePage } from '../../utils/page.js';

interface Row extends MyVoteRow {
  name: string;
  time: string;
}

interface Extra {
  names: Map<string, string>;
  kind: BoardKind;
  nextCursor: string | null;
}

/**
 * My votes on a campaign, newest first: queued, counted, held, or rejected with the reason; and,
 * if my shares brought friends to it, how many, with thanks. Only thanks: a share earns nothing
 * (WeChat forbids 利诱分享), so there are no points for it and no ranking of sharers.
 */
definePage<Extra>()({
  data: { campaignId: '', title: '', thanks: '', rows: [] as Row[], loading: true, more: false, error: '' },
  methods: {
    onLoad(query: Record<string, string | undefined>): Promise<void> {
      this.names = new Map();
      this.kind = 'vote';
      this.nextCursor = null;
      this.setData({ campaignId: query.campaignId ?? '' });
      return this.load(true);
    },
    onPullDownRefresh(): Promise<void> {
      return this.load(true).then(() => {
        wx.stopPullDownRefresh();
      });
    },
    onReachBottom(): Promise<void> {
      return this.data.more && !this.data.loading ? this.load(false) : Promise.resolve();
    },
    async load(fresh: boolean): Promise<void> {
      this.setData({ loading: true, error: '' });
      try {
        if (this.names.size === 0) {
          const campaign = await getCampaign(this.data.campaignId);
          this.names = new Map(campaign.members.map((m) => [m.candidateId, m.name]));
          this.kind = campaign.kind;
          this.setData({ title: campaign.title });
        }
        const [page] = await Promise.all([
          myVotesPage(this.data.campaignId, fresh ? undefined : (this.nextCursor ?? undefined)),
          fresh ? this.refreshThanks() : undefined,
        ]);
        this.nextCursor = page.nextCursor;
        const rows = page.rows.map((r) => ({
          ...r,
          name: this.names.get(r.candidateId) ?? r.candidateId,
          time: r.at ? shortTime(new Date(r.at).toISOString()) : '',
        }));
        this.setData({
          rows: fresh ? rows : [...this.data.rows, ...rows],
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
    /** The friends my shares brought: a line of thanks, or nothing (the page still shows without it). */
    async refreshThanks(): Promise<void> {
      const invitees = await myInvitees(this.data.campaignId).catch(() => null);
      if (invitees !== null) this.setData({ thanks: thanksFor(invitees, this.kind) });
    },
  },
});
