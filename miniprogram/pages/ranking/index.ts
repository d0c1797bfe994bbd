import { rankingIsPublic } from '../../protocol/campaigns.js';
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

/** The live ranking: a socket.io feed, kept in step by sequence numbers (see LiveBoard). */
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
      this.live = new LiveBoard({ boardId: campaignId, onChange: (state) => this.show(state) });
      this.live.start();
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
