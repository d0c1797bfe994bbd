import {
  boardIdSchema,
  entryIdSchema,
  moveSuggestionBodySchema,
  suggestionListSchema,
  suggestionViewSchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import { z } from 'zod';
import type { CampaignAccess } from '../campaigns/access.js';
import { TEXT_CHECK_ERRORS } from '../campaigns/routes.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import { listSuggestions, moveSuggestion, readSuggestion, type SuggestionDeps } from './suggestions.js';

const tag = 'Entries';
const boxParams = z.object({ campaignId: boardIdSchema });
const suggestionParams = boxParams.extend({ entryId: entryIdSchema });

export interface SuggestionRouteDeps extends SuggestionDeps {
  api: Api;
  loadCampaign: CampaignAccess;
}

/**
 * A suggestion box (政务建议, docs/entries.md): its suggestions and their timelines, public; and
 * the host's moves of each through its published statuses, with a public reply.
 */
export function suggestionsRouter(deps: SuggestionRouteDeps): Router {
  const router = Router();
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/suggestions',
      tag,
      summary:
        "A suggestion box's approved suggestions that are still candidates, with their status and timeline",
      auth: 'public',
      params: boxParams,
      responses: { 200: { description: 'The suggestions.', schema: suggestionListSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ params }, _req, res) => {
      const suggestions = await whenAvailable(() => listSuggestions(deps, params.campaignId));
      res.json({ suggestions });
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/suggestions/:entryId',
      tag,
      summary: 'One suggestion: its status, the public reply and its timeline',
      auth: 'public',
      params: suggestionParams,
      responses: { 200: { description: 'The suggestion.', schema: suggestionViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'ENTRY_NOT_FOUND'],
    },
    async ({ params }, _req, res) => {
      res.json(await whenAvailable(() => readSuggestion(deps, params.campaignId, params.entryId)));
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/suggestions/:entryId/progress',
      tag,
      summary: 'Move a suggestion on: received → under study → adopted or answered, with a public reply',
      description:
        'Forward only; adopted and answered need a reply. The reply is public, so WeChat checks it as ' +
        "the host's text first (as candidate text: the WeChat user bound to the host's account); a refused " +
        'reply names `reply` in `details.fields`, and nothing moves. Audited. Everyone who asked to hear ' +
        'of the suggestion (its author, its supporters) gets one message of the move, against their grant.',
      auth: 'host',
      params: suggestionParams,
      body: moveSuggestionBodySchema,
      responses: { 200: { description: 'The suggestion, moved.', schema: suggestionViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'ENTRY_NOT_FOUND', 'SUGGESTION_MOVE_NOT_ALLOWED', ...TEXT_CHECK_ERRORS],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const moved = await whenAvailable(() =>
        moveSuggestion(deps, { host: auth, ip: clientIp(req) }, campaign._id, params.entryId, body),
      );
      res.json(moved);
    },
  );
  return router;
}
