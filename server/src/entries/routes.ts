import { pipeline } from 'node:stream/promises';
import { type EntryModels, openEntryImage } from '@rallyboard/core/db';
import {
  AppError,
  boardIdSchema,
  deviceIdSchema,
  entryIdSchema,
  entryImageIdSchema,
  entryImageUploadSchema,
  entrySettingsViewSchema,
  entryViewSchema,
  myEntriesSchema,
  submitEntryBodySchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import { z } from 'zod';
import { campaignParams } from '../campaigns/params.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import {
  campaignEntrySettings,
  type EntriesDeps,
  myEntries,
  submitEntry,
  uploadEntryImage,
  withdrawEntry,
} from './entries.js';
import { settingsView } from './settings.js';
import { entryView } from './views.js';

const tag = 'Entries';
const deviceHeaders = z.object({ 'x-device-id': deviceIdSchema.optional() });

export interface EntriesRouteDeps extends EntriesDeps {
  api: Api;
  entries: EntryModels;
  /** The ingest limits (per address, device and participant): entries spend them as votes do. */
  rateLimit: (origin: { ip: string; deviceId?: string | undefined; voterId: string }) => Promise<void>;
}

/**
 * Participants' entries (报名, docs/entries.md): a campaign's entry form, image uploads, sending
 * an entry, my entries and withdrawing one; and the images' public addresses.
 */
export function entriesRouter(deps: EntriesRouteDeps): Router {
  const router = Router();
  settingsRoute(router, deps);
  uploadRoute(router, deps);
  submitRoute(router, deps);
  mineRoutes(router, deps);
  imageRoute(router, deps);
  return router;
}

function settingsRoute(router: Router, deps: EntriesRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/campaigns/:campaignId/entry-settings',
      tag,
      summary: "A campaign's entry form and window, and whether it takes entries now",
      auth: 'public',
      params: campaignParams,
      responses: {
        200: { description: 'The settings (null: no entries).', schema: entrySettingsViewSchema },
      },
      errors: ['CAMPAIGN_NOT_FOUND'],
    },
    async ({ params }, _req, res) => {
      const { campaign, settings } = await whenAvailable(() =>
        campaignEntrySettings(deps, params.campaignId),
      );
      res.json(settingsView(campaign, settings, deps.now()));
    },
  );
}

function uploadRoute(router: Router, deps: EntriesRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/entry-images',
      tag,
      summary: 'Upload an image for an entry (wx.uploadFile, field "image")',
      description:
        'A JPEG or PNG, checked to be whole and what it says it is, and stored rewritten without its ' +
        'metadata (EXIF, GPS, comments). Send its imageId with the entry. Only while the campaign takes entries.',
      auth: 'participant',
      params: campaignParams,
      headers: deviceHeaders,
      upload: {
        field: 'image',
        maxBytes: deps.config.entries.imageMaxBytes,
        description: 'multipart/form-data with the file in the field "image".',
      },
      responses: { 201: { description: 'The stored image.', schema: entryImageUploadSchema } },
      errors: [
        'CAMPAIGN_NOT_FOUND',
        'ENTRIES_CLOSED',
        'IMAGE_INVALID',
        'IMAGE_TYPE_MISMATCH',
        'RATE_LIMITED',
      ],
    },
    async ({ auth, params, headers, upload }, req, res) => {
      await whenAvailable(() =>
        deps.rateLimit({ ip: clientIp(req), deviceId: headers['x-device-id'], voterId: auth.participantId }),
      );
      const image = await whenAvailable(() =>
        uploadEntryImage(deps, params.campaignId, auth.participantId, upload),
      );
      res.status(201).json(image);
    },
  );
}

function submitRoute(router: Router, deps: EntriesRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/campaigns/:campaignId/entries',
      tag,
      summary: 'Send an entry',
      description:
        'Within the campaign’s window, form and per-participant limit, with images uploaded before. The ' +
        'entry is `pending` and shown to nobody until WeChat’s content checks pass and (unless the campaign ' +
        'approves automatically) a host approves it; then it is a candidate.',
      auth: 'participant',
      params: campaignParams,
      headers: deviceHeaders,
      body: submitEntryBodySchema,
      responses: { 201: { description: 'The entry, pending.', schema: entryViewSchema } },
      errors: [
        'CAMPAIGN_NOT_FOUND',
        'ENTRIES_CLOSED',
        'ENTRY_LIMIT_REACHED',
        'IMAGE_NOT_FOUND',
        'RATE_LIMITED',
      ],
    },
    async ({ auth, params, headers, body }, req, res) => {
      const ip = clientIp(req);
      const deviceId = headers['x-device-id'];
      await whenAvailable(() => deps.rateLimit({ ip, deviceId, voterId: auth.participantId }));
      const entry = await whenAvailable(() =>
        submitEntry(deps, params.campaignId, { userId: auth.participantId, ip, deviceId }, body),
      );
      res.status(201).json(entryView(entry, deps.config));
    },
  );
}

function mineRoutes(router: Router, deps: EntriesRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/me/entries',
      tag,
      summary: 'My entries (我的报名), newest first, with their status and timeline',
      auth: 'participant',
      query: z.object({ campaignId: boardIdSchema.optional() }),
      responses: { 200: { description: 'My entries.', schema: myEntriesSchema } },
    },
    async ({ auth, query }, _req, res) => {
      const entries = await whenAvailable(() => myEntries(deps, auth.participantId, query.campaignId));
      res.json({ entries: entries.map((e) => entryView(e, deps.config)) });
    },
  );
  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/me/entries/:entryId/withdraw',
      tag,
      summary: 'Withdraw my entry before it is decided',
      description: 'Its images are deleted. Another participant’s entry answers ENTRY_NOT_FOUND.',
      auth: 'participant',
      params: z.object({ entryId: entryIdSchema }),
      responses: { 200: { description: 'The entry, withdrawn.', schema: entryViewSchema } },
      errors: ['ENTRY_NOT_FOUND', 'ENTRY_NOT_WITHDRAWABLE'],
    },
    async ({ auth, params }, _req, res) => {
      const entry = await whenAvailable(() => withdrawEntry(deps, auth.participantId, params.entryId));
      res.json(entryView(entry, deps.config));
    },
  );
}

function imageRoute(router: Router, deps: EntriesRouteDeps): void {
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/media/entries/:imageId',
      tag,
      summary: 'An entry image',
      description:
        'Public, at an unguessable address: its author, WeChat’s image check and the hosts have it before ' +
        'approval, everyone after. A rejected or withdrawn entry’s images are deleted.',
      auth: 'public',
      params: z.object({ imageId: entryImageIdSchema }),
      responses: { 200: { description: 'The image.', contentType: 'image/jpeg' } },
      errors: ['IMAGE_NOT_FOUND'],
    },
    async ({ params }, _req, res) => {
      const opened = await whenAvailable(() => openEntryImage(deps.mongo, params.imageId));
      if (!opened) throw new AppError('IMAGE_NOT_FOUND');
      // Deleted (a rejection) or not yet: either way, reach the first byte before answering 200.
      const first = await new Promise<Buffer | null>((resolve, reject) => {
        opened.stream.once('error', reject);
        opened.stream.once('end', () => resolve(null));
        opened.stream.once('data', (chunk: Buffer) => {
          opened.stream.pause();
          resolve(chunk);
        });
      }).catch(() => {
        throw new AppError('IMAGE_NOT_FOUND');
      });
      res.set({
        'Content-Type': opened.image.metadata.contentType,
        'Content-Length': String(opened.image.length),
        // Short: a rejected entry's picture is deleted, and a cache should not keep it long.
        'Cache-Control': 'public, max-age=60',
        'Content-Disposition': 'inline',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'X-Content-Type-Options': 'nosniff',
      });
      if (first) res.write(first);
      // A client gone mid-way ends the download's cursor too (pipeline destroys both).
      await pipeline(opened.stream, res).catch(() => undefined);
    },
  );
}
