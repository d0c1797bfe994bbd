import { revokeScreenTokens } from '@rallyboard/core/db';
import {
  AppError,
  SCREEN_TOKEN_HEADER,
  type ScreenTokenResponse,
  screenSettingsBodySchema,
  screenTokenHeadersSchema,
  screenTokenResponseSchema,
  screenTokenRevokeResponseSchema,
  screenViewSchema,
} from '@rallyboard/core/protocol';
import { publishScreenChange } from '@rallyboard/core/redis';
import { Router } from 'express';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import { actorOf } from '../campaigns/routes.js';
import { revealCampaign, setScreenWindow } from '../campaigns/screen-operations.js';
import type { CampaignStore } from '../campaigns/store.js';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import type { Screens } from './screens.js';

const screenErrors = ['CAMPAIGN_NOT_FOUND', 'SCREEN_TOKEN_INVALID'] as const;

export interface ScreensRouteDeps {
  api: Api;
  config: { http: { publicUrl: string } };
  screens: Screens;
  store: CampaignStore;
  loadCampaign: CampaignAccess;
}

/**
 * The big screen's reads (public, or with the screen token for an unlisted campaign) and the
 * host's screen actions: a screen token to open an unlisted campaign's screen, its revocation,
 * and the reveal.
 */
export function screensRouter(deps: ScreensRouteDeps): Router {
  const router = Router();
  screenReadRoutes(router, deps);
  screenTokenRoutes(router, deps);
  screenHostRoutes(router, deps);
  return router;
}

/** Where a screen token goes: the `X-Screen-Token` header (a query string would be logged). */
const tokenHeader =
  `An unlisted campaign's screen token goes in the \`${SCREEN_TOKEN_HEADER}\` header (never in the ` +
  'query string, which access logs and proxies keep).';

/** What a screen reads: its view and its join code. */
function screenReadRoutes(router: Router, deps: ScreensRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/screens/:campaignId',
      tag: 'Screen',
      summary: "What a campaign's big screen shows besides the ranking",
      description:
        'The campaign (published only), the reveal once the host revealed, and the join code. The ' +
        'screen gets the same view, then the ranking and every change, from `screen:subscribe`. ' +
        tokenHeader,
      auth: 'public',
      params: campaignParams,
      headers: screenTokenHeadersSchema,
      responses: { 200: { description: 'The screen view.', schema: screenViewSchema } },
      errors: screenErrors,
    },
    async ({ params, headers }, _req, res) => {
      const campaign = await deps.screens.open(params.campaignId, headers[SCREEN_TOKEN_HEADER]);
      res.set('cache-control', 'no-store').json(await whenAvailable(() => deps.screens.view(campaign)));
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/screens/:campaignId/join-code',
      tag: 'Screen',
      summary: 'The code participants scan to join',
      description:
        "WeChat's mini-program code (getUnlimitedQRCode, the campaign id as its scene) when WeChat is " +
        "configured; otherwise an SVG QR code of the campaign's public address. " +
        tokenHeader,
      auth: 'public',
      params: campaignParams,
      headers: screenTokenHeadersSchema,
      responses: {
        200: { description: 'The code image (PNG, JPEG or SVG).', contentType: 'image/*' },
      },
      errors: [...screenErrors, 'WECHAT_UNAVAILABLE'],
    },
    async ({ params, headers }, _req, res) => {
      const campaign = await deps.screens.open(params.campaignId, headers[SCREEN_TOKEN_HEADER]);
      const code = await deps.screens.joinCode(campaign);
      res.set('cache-control', 'private, max-age=3600').type(code.contentType).send(code.image);
    },
  );
}

/** The host's screen tokens: one to open an unlisted campaign's screen, and revoking them all. */
function screenTokenRoutes(router: Router, deps: ScreensRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/screen-token',
      tag: 'Screen',
      summary: 'A screen token: opens the big screen of an unlisted campaign',
      description:
        "Read-only: it opens this campaign's screen (`/screen/:campaignId#token=`: in the fragment, " +
        'which the browser never sends) and nothing else, for 30 days or until the host revokes ' +
        "the campaign's screen tokens. A public campaign's screen needs none. Recorded in the audit log.",
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The token and the address.', schema: screenTokenResponseSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const { token, expiresAt } = await deps.screens.tokens.sign(campaign);
      await deps.store.audit(actorOf(auth, req), 'campaign.screen-token', campaign._id, {
        before: null,
        after: { expiresAt: expiresAt.toISOString() },
      });
      const answer: ScreenTokenResponse = {
        token,
        expiresAt: expiresAt.toISOString(),
        url: `${deps.config.http.publicUrl}/screen/${campaign._id}#token=${encodeURIComponent(token)}`,
      };
      res.json(answer);
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/screen-token/revoke',
      tag: 'Screen',
      summary: 'Revoke every screen token of a campaign issued so far',
      description:
        'For a screen link that leaked: every token issued before opens the screen no more, and a ' +
        'screen showing with one is closed at once. Tokens issued afterwards open it. Recorded in the audit log.',
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'Revoked.', schema: screenTokenRevokeResponseSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const revokedAt = new Date();
      await whenAvailable(() =>
        // Under the campaign's lock, as every change: its audit entries stay in the order of its changes.
        deps.store.serialize(campaign._id, async () => {
          const versions = await revokeScreenTokens(deps.store.campaigns, campaign._id);
          if (!versions) throw new AppError('CAMPAIGN_NOT_FOUND');
          await deps.store.audit(actorOf(auth, req), 'campaign.screen-token.revoke', campaign._id, {
            before: { screenTokenVersion: versions.before },
            after: { screenTokenVersion: versions.after },
          });
        }),
      );
      // Every server's screen relay checks its screens of the campaign again and closes those
      // whose token no longer opens it.
      await whenAvailable(() => publishScreenChange(deps.store.redis, deps.store.keys, campaign._id));
      res.json({ revokedAt: revokedAt.toISOString() });
    },
  );
}

/** The host's reveal, and the ranking the screens show. */
function screenHostRoutes(router: Router, deps: ScreensRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/reveal',
      tag: 'Screen',
      summary: 'Reveal the final ranking on the screens (揭晓)',
      description:
        'Frozen or ended campaigns only (REVEAL_NOT_ALLOWED otherwise). Every screen animates the ' +
        'counted ranking from the last rank to the first; the reveal is kept on the campaign, so a ' +
        'screen opened later shows it revealed. Revealing again changes nothing. Recorded in the audit log.',
      auth: 'host',
      params: campaignParams,
      responses: { 200: { description: 'The screen view, revealed.', schema: screenViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'REVEAL_NOT_ALLOWED'],
    },
    async ({ auth, params }, req, res) => {
      const revealed = await whenAvailable(() =>
        revealCampaign(deps.store, actorOf(auth, req), params.campaignId),
      );
      res.json(await whenAvailable(() => deps.screens.view(revealed)));
    },
  );
  deps.api.route(
    router,
    {
      method: 'put',
      path: '/api/campaigns/:campaignId/screen',
      tag: 'Screen',
      summary: 'Choose the ranking the screens show: all time, today or this week; candidates or groups',
      description:
        'Every screen of the campaign turns to it at once, with a fresh snapshot of that ranking. ' +
        'All time until a host chooses. Recorded in the audit log when it changes.',
      auth: 'host',
      params: campaignParams,
      body: screenSettingsBodySchema,
      responses: { 200: { description: 'The screen view, with its window.', schema: screenViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params, body }, req, res) => {
      const changed = await whenAvailable(() =>
        setScreenWindow(deps.store, actorOf(auth, req), params.campaignId, body),
      );
      res.json(await whenAvailable(() => deps.screens.view(changed)));
    },
  );
}
