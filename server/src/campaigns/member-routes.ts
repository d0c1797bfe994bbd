import {
  campaignMemberSchema,
  campaignViewSchema,
  candidateIdSchema,
  updateCampaignMemberBodySchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import { addMember, removeMember, updateMember } from './members.js';
import { campaignParams } from './params.js';
import { actorOf, TEXT_CHECK_ERRORS } from './routes.js';
import type { CampaignStore } from './store.js';
import { campaignView } from './views.js';

const memberParams = campaignParams.extend({ candidateId: candidateIdSchema });

export interface CampaignMembersRouteDeps {
  api: Api;
  store: CampaignStore;
}

/**
 * A campaign's candidates one at a time: add (until it ends), edit (until it ends), remove (only
 * before it goes live). Each registers the board again and is recorded in the audit log.
 */
export function campaignMembersRouter(deps: CampaignMembersRouteDeps): Router {
  const router = Router();
  const { store } = deps;
  const tag = 'Campaigns';
  const errors = ['CAMPAIGN_NOT_FOUND', 'CAMPAIGN_NOT_EDITABLE'] as const;

  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/members',
      tag,
      summary: 'Add a candidate',
      description: 'Allowed until the campaign ends; a candidate added while live enters the ranking at 0.',
      auth: 'host',
      idempotent: true,
      params: campaignParams,
      body: campaignMemberSchema,
      responses: { 201: { description: 'The campaign with the candidate.', schema: campaignViewSchema } },
      errors: [...errors, 'CANDIDATE_EXISTS', ...TEXT_CHECK_ERRORS],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() =>
        addMember(store, actorOf(auth, req), params.campaignId, body),
      );
      res.status(201).json(campaignView(campaign));
    },
  );

  deps.api.route(
    router,
    {
      method: 'patch',
      path: '/api/campaigns/:campaignId/members/:candidateId',
      tag,
      summary: 'Edit a candidate',
      description: 'Its name, picture, description or group; allowed until the campaign ends. The id stays.',
      auth: 'host',
      params: memberParams,
      body: updateCampaignMemberBodySchema,
      responses: { 200: { description: 'The campaign as it is now.', schema: campaignViewSchema } },
      errors: [...errors, 'CANDIDATE_NOT_FOUND', ...TEXT_CHECK_ERRORS],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() =>
        updateMember(store, actorOf(auth, req), params.campaignId, params.candidateId, body),
      );
      res.json(campaignView(campaign));
    },
  );

  deps.api.route(
    router,
    {
      method: 'delete',
      path: '/api/campaigns/:campaignId/members/:candidateId',
      tag,
      summary: 'Remove a candidate',
      description:
        'Only while the campaign is a draft or scheduled: once it has gone live, votes for the candidate ' +
        'may exist, and removing it answers CAMPAIGN_NOT_EDITABLE.',
      auth: 'host',
      params: memberParams,
      responses: { 200: { description: 'The campaign without the candidate.', schema: campaignViewSchema } },
      errors: [...errors, 'CANDIDATE_NOT_FOUND'],
    },
    async ({ auth, params }, req, res) => {
      const campaign = await whenAvailable(() =>
        removeMember(store, actorOf(auth, req), params.campaignId, params.candidateId),
      );
      res.json(campaignView(campaign));
    },
  );
  return router;
}
