import {
  type EntryView,
  entryImageUploadSchema,
  entrySettingsViewSchema,
  entryViewSchema,
  myEntriesSchema,
  suggestionListSchema,
  suggestionViewSchema,
} from '../protocol/entries.js';
import { authorized } from './auth.js';
import { deviceId } from './device.js';
import { request } from './request.js';

/** Participants' entries (报名): the form, image uploads, sending, my entries, withdrawing. */

/** A campaign's entry form and window, and whether it takes entries now. */
export const entrySettings = (campaignId: string) =>
  request({ method: 'GET', path: `/api/campaigns/${campaignId}/entry-settings` }, entrySettingsViewSchema);

/**
 * Lets the user pick up to `count` pictures (album or camera, compressed by WeChat). A cancel is
 * an empty list, not an error.
 */
export function chooseImages(count: number): Promise<string[]> {
  return new Promise((resolve) => {
    wx.chooseMedia({
      count,
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      sizeType: ['compressed'],
      success: (res) => resolve(res.tempFiles.map((f) => f.tempFilePath)),
      fail: () => resolve([]),
    });
  });
}

/** Uploads one picture for an entry (wx.uploadFile); answers its id, to send with the entry. */
export const uploadImage = (campaignId: string, path: string) =>
  authorized(
    {
      method: 'POST',
      path: `/api/campaigns/${campaignId}/entry-images`,
      headers: { 'x-device-id': deviceId() },
      file: { path, field: 'image' },
    },
    entryImageUploadSchema,
  );

export interface EntryForm {
  title: string;
  text?: string | undefined;
  imageIds: string[];
}

export const submitEntry = (campaignId: string, form: EntryForm) =>
  authorized(
    {
      method: 'POST',
      path: `/api/campaigns/${campaignId}/entries`,
      headers: { 'x-device-id': deviceId() },
      body: { title: form.title, ...(form.text ? { text: form.text } : {}), imageIds: form.imageIds },
    },
    entryViewSchema,
  );

/** My entries (in one campaign), newest first. */
export const myEntries = (campaignId?: string) =>
  authorized({ method: 'GET', path: '/api/me/entries', query: { campaignId } }, myEntriesSchema).then(
    (answer) => answer.entries,
  );

export const withdrawEntry = (entryId: string) =>
  authorized({ method: 'POST', path: `/api/me/entries/${entryId}/withdraw` }, entryViewSchema);

/** How each status reads to the author. */
export const ENTRY_STATUS_LABELS: Record<EntryView['status'], string> = {
  pending: '内容检测中',
  'in-review': '等待主办方审核',
  approved: '已通过，已成为候选',
  rejected: '未通过',
  withdrawn: '已撤回',
  removed: '已被主办方移出候选',
};

/** Entries an author may still withdraw. */
export const withdrawable = (entry: Pick<EntryView, 'status'>) =>
  entry.status === 'pending' || entry.status === 'in-review';

/** A suggestion box's suggestions, with their status. */
export const listSuggestions = (campaignId: string) =>
  request({ method: 'GET', path: `/api/campaigns/${campaignId}/suggestions` }, suggestionListSchema).then(
    (answer) => answer.suggestions,
  );

/** One suggestion, with its public reply and timeline. */
export const readSuggestion = (campaignId: string, entryId: string) =>
  request(
    { method: 'GET', path: `/api/campaigns/${campaignId}/suggestions/${entryId}` },
    suggestionViewSchema,
  );
