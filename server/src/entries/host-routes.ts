import {
  decideEntriesAnswerSchema,
  decideEntriesBodySchema,
  entrySettingsSchema,
  entrySettingsViewSchema,
  moderationPageSchema,
  moderationQuerySchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { CampaignAccess } from '../campaigns/access.js';
import { campaignParams } from '../campaigns/params.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import { decideEntries, type ModerationDeps, moderationQueue } from './moderation.js';
import { saveEntrySettings, settingsView } from './settings.js';

const tag = 'Entries';

export interface EntryHostRouteDeps extends ModerationDeps {
  api: Api;
  loadCampaign: CampaignAccess;
}

/**
 * The hosts' side of entries: the campaign's entry form and window, the moderation queue, and
 * decisions in bulk (docs/entries.md). Another host's campaign answers CAMPAIGN_NOT_FOUND.
 */
export function entryHostRouter(deps: EntryHostRouteDeps): Router {
  const router = Router();
  deps.api.route(
    router,
    {
      method: 'put',
      path: '/api/campaigns/:campaignId/entry-settings',
      tag,
      summary: "Open or change a campaign's entries: window, form, limit, approval",
      description: 'Until the campaign ends; recorded in the audit log.',
      auth: 'host',
      params: campaignParams,
      body: entrySettingsSchema,
      responses: { 200: { description: 'The settings.', schema: entrySettingsViewSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'CAMPAIGN_NOT_EDITABLE'],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const saved = await whenAvailable(() =>
        saveEntrySettings(deps, { host: auth, ip: clientIp(req) }, campaign, body),
      );
      res.json(settingsView(campaign, saved, deps.now()));
    },
  );
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/entries',
      tag,
      summary: 'The moderation queue: entries in a status (in-review by default), oldest first, paged',
      description:
        "With each entry's content checks (pass, review, risky, waiting, unchecked and why) and how many " +
        "of the campaign's entries came from the same device and address. `limit` (50) at a time; pass " +
        "the answer's `nextCursor` as `cursor` for the next page (null on the last).",
      auth: 'host',
      params: campaignParams,
      query: moderationQuerySchema,
      responses: { 200: { description: 'The entries.', schema: moderationPageSchema } },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ auth, params, query }, _req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      res.json(await whenAvailable(() => moderationQueue(deps, campaign._id, query)));
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/entries/decisions',
      tag,
      summary: 'Approve or reject entries in bulk, with a note',
      description:
        'Approving makes each in-review entry a candidate (it enters the ranking at 0); rejecting takes a ' +
        'pending or in-review entry off, with the note as the reason its author reads, and deletes its ' +
        'images. Each entry answers its own outcome; each decision is audited.',
      auth: 'host',
      params: campaignParams,
      body: decideEntriesBodySchema,
      responses: { 200: { description: 'Each entry’s outcome.', schema: decideEntriesAnswerSchema } },
      errors: ['CAMPAIGN_NOT_FOUND', 'CAMPAIGN_NOT_EDITABLE'],
    },
    async ({ auth, params, body }, req, res) => {
      const campaign = await whenAvailable(() => deps.loadCampaign(auth, params.campaignId));
      const results = await whenAvailable(() =>
        decideEntries(deps, { host: auth, ip: clientIp(req) }, campaign, body),
      );
      res.json({ results });
    },
  );
  return router;
}
