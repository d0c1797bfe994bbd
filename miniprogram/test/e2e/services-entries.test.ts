import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notificationModels } from '@rallyboard/core/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEntries } from '../../../test/support/entries.js';
import { jpegOf, pngOf, zipOf } from '../../../test/support/images.js';
import { TEST_TEMPLATES } from '../../../test/support/wechat.js';
import {
  chooseImages,
  entrySettings,
  myEntries,
  submitEntry,
  uploadImage,
  withdrawEntry,
} from '../../services/entries.js';
import { ApiError } from '../../services/request.js';
import { askToHear, loadTemplates } from '../../services/subscriptions.js';
import { liveCampaign, mongo, shim, useServicesStack } from '../support/services-fixture.js';

// 报名 from the mini-program's side: its own service modules under the Node `wx`, against the
// real server: pictures picked and uploaded with wx.uploadFile, the entry sent, 我的报名, a
// withdrawal, the review-result prompt, and refusals in Chinese.
useServicesStack();

const files = mkdtempSync(join(tmpdir(), 'mp-entries-'));
function file(name: string, bytes: Buffer): string {
  const path = join(files, name);
  writeFileSync(path, bytes);
  return path;
}

async function entryCampaign(): Promise<string> {
  const campaignId = await liveCampaign();
  await openEntries(mongo, campaignId, { perParticipant: 3, minImages: 1, maxImages: 2 });
  return campaignId;
}

beforeAll(() => loadTemplates());

describe('entries in the mini-program', () => {
  it('picks and uploads pictures, sends the entry, and lists it in 我的报名', async () => {
    const campaignId = await entryCampaign();
    expect(await entrySettings(campaignId)).toMatchObject({ open: true, settings: { maxImages: 2 } });
    shim.mediaPicks.push([
      file('a.jpg', jpegOf(60, 40)),
      file('b.png', pngOf(30, 30)),
      file('c.jpg', jpegOf()),
    ]);
    const picked = await chooseImages(2);
    expect(picked).toHaveLength(2);
    const uploads = [];
    for (const path of picked) uploads.push(await uploadImage(campaignId, path));
    expect(uploads.map((u) => [u.contentType, u.width])).toEqual([
      ['image/jpeg', 60],
      ['image/png', 30],
    ]);
    const entry = await submitEntry(campaignId, {
      title: '我的作品',
      text: '拍于西湖',
      imageIds: uploads.map((u) => u.imageId),
    });
    expect(entry).toMatchObject({ status: 'pending', title: '我的作品' });
    const mine = await myEntries(campaignId);
    expect(mine.map((e) => e.id)).toEqual([entry.id]);

    // 审核结果: asked from the tap that sent it, for this entry.
    expect(await askToHear('entry-reviewed', campaignId, entry.id)).toBe('recorded');
    const grants = await notificationModels(mongo).grants.find({ campaignId }).lean();
    expect(grants).toMatchObject([
      { templateId: TEST_TEMPLATES['entry-reviewed'].templateId, subject: entry.id },
    ]);

    const withdrawn = await withdrawEntry(entry.id);
    expect(withdrawn.status).toBe('withdrawn');
  });

  it('answers a cancelled pick with no pictures', async () => {
    expect(await chooseImages(3)).toEqual([]);
  });

  it('says in Chinese why a file was refused, and why an entry cannot be sent', async () => {
    const campaignId = await entryCampaign();
    const refusal = await uploadImage(campaignId, file('archive.jpg', zipOf())).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({
      code: 'IMAGE_INVALID',
      message: '这张图片无法使用，请换一张 JPG 或 PNG 图片',
    });
    const noImage = await submitEntry(campaignId, { title: '没有图片', imageIds: [] }).catch(
      (e: unknown) => e,
    );
    expect(noImage).toMatchObject({ code: 'INVALID_INPUT' });
  });
});
