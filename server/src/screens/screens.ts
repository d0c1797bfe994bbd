import type { Config } from '@rallyboard/core/config';
import { type CampaignDoc, findCampaign } from '@rallyboard/core/db';
import {
  AppError,
  isPublished,
  type LeaderboardEntry,
  type ScreenReveal,
  type ScreenView,
} from '@rallyboard/core/protocol';
import { readIngestRate } from '@rallyboard/core/redis';
import type { QRCodeImage, WeChatApi } from '@rallyboard/core/wechat';
import { pageCodeParams } from '@rallyboard/core/wechat';
import type { Connection } from 'mongoose';
import { renderSVG } from 'uqr';
import { type BoardReadDeps, queryBoard } from '../boards/queries.js';
import { publicCampaignView } from '../campaigns/views.js';
import { whenAvailable } from '../lib/when-available.js';
import { assertScreenAccess, createScreenTokens, type ScreenTokens } from './screen-tokens.js';

/** The mini-program page a screen's join code opens; its `scene` is the campaign id. */
const JOIN_PAGE = 'pages/campaign/index';
/** getUnlimitedQRCode's scene holds at most 32 characters; a longer id gets a URL QR code. */
const MAX_SCENE = 32;

export interface Screens {
  tokens: ScreenTokens;
  /** A campaign by its id, whatever its status (the screen relay checks it). */
  find(campaignId: string): Promise<CampaignDoc | null>;
  /**
   * The campaign of a screen: published (else CAMPAIGN_NOT_FOUND, as for participants), and
   * when unlisted, opened by the token (else SCREEN_TOKEN_INVALID).
   */
  open(campaignId: string, token: string | undefined): Promise<CampaignDoc>;
  /** Whether a screen holding this token (or none) may still show the campaign: see open. */
  admits(campaign: CampaignDoc, token: string | undefined): Promise<boolean>;
  /** What a screen shows of a campaign besides its ranking. */
  view(campaign: CampaignDoc): Promise<ScreenView>;
  /** The join code: WeChat's mini-program code when WeChat is configured, else a URL's QR code. */
  joinCode(campaign: CampaignDoc): Promise<QRCodeImage>;
}

/** What the screens read: campaigns, boards, and WeChat for the join code. */
export interface ScreensDeps extends BoardReadDeps {
  config: Pick<Config, 'auth' | 'wechat' | 'http' | 'relay'>;
  mongo: Connection;
  wechat: Pick<WeChatApi, 'getUnlimitedQRCode'>;
}

export function createScreens(ctx: ScreensDeps): Screens {
  const tokens = createScreenTokens(ctx.config.auth);
  const { appId, appSecret, envVersion } = ctx.config.wechat;
  const wechatCodes = new Map<string, Promise<QRCodeImage>>();

  const useWeChat = (campaignId: string) =>
    appId !== undefined && appSecret !== undefined && campaignId.length <= MAX_SCENE;
  /** Where a URL join code points when there is no mini-program code: the campaign's public page. */
  const joinUrl = (campaignId: string) => `${ctx.config.http.publicUrl}/api/public/campaigns/${campaignId}`;

  async function revealOf(campaign: CampaignDoc): Promise<ScreenReveal | null> {
    if (!campaign.revealedAt) return null;
    // The counted ranking, not the frozen snapshot: revealing is what the freeze held back.
    const board = await queryBoard(
      ctx,
      { type: 'top', boardId: campaign._id, window: 'all', limit: ctx.config.relay.topN },
      { live: true },
    );
    const entries: LeaderboardEntry[] = board.entries;
    return { revealedAt: new Date(campaign.revealedAt).toISOString(), entries };
  }

  return {
    tokens,
    find: (campaignId) => findCampaign(ctx.mongo, campaignId),
    async open(campaignId, token) {
      const campaign = await whenAvailable(() => findCampaign(ctx.mongo, campaignId));
      if (!campaign || !isPublished(campaign.status)) throw new AppError('CAMPAIGN_NOT_FOUND');
      await assertScreenAccess(tokens, campaign, token);
      return campaign;
    },
    admits: (campaign, token) =>
      assertScreenAccess(tokens, campaign, token).then(
        () => true,
        () => false,
      ),
    async view(campaign) {
      const { quotas: _quotas, ...shown } = publicCampaignView(campaign);
      const wechat = useWeChat(campaign._id);
      const now = Date.now();
      // The sixty seconds up to and including this one; none while frozen, whose screen shows the
      // ranking of the freeze, not the votes still coming.
      const lastMinute =
        campaign.status === 'frozen'
          ? []
          : await readIngestRate(ctx.redis, ctx.keys, campaign._id, now + 1_000, 60);
      return {
        campaign: shown,
        reveal: await revealOf(campaign),
        join: {
          kind: wechat ? 'wechat' : 'url',
          imageUrl: `/api/screens/${campaign._id}/join-code`,
          url: wechat ? null : joinUrl(campaign._id),
        },
        topN: ctx.config.relay.topN,
        window: campaign.screenWindow ?? 'all',
        view: campaign.screenView ?? 'candidates',
        serverTime: new Date(now).toISOString(),
        recentVotes: lastMinute.reduce((sum, second) => sum + second.votes, 0),
      };
    },
    async joinCode(campaign) {
      if (!useWeChat(campaign._id)) {
        const svg = renderSVG(joinUrl(campaign._id), { border: 2, blackColor: '#000', whiteColor: '#fff' });
        return { image: Buffer.from(svg), contentType: 'image/svg+xml' };
      }
      // A campaign's code never changes: ask WeChat once per process (a failure is asked again).
      let pending = wechatCodes.get(campaign._id);
      if (!pending) {
        pending = ctx.wechat.getUnlimitedQRCode(pageCodeParams(campaign._id, JOIN_PAGE, envVersion));
        wechatCodes.set(campaign._id, pending);
        pending.catch(() => wechatCodes.delete(campaign._id));
      }
      return pending;
    },
  };
}
