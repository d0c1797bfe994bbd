import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryModels, findEntryImages } from '@rallyboard/core/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEntries } from '../../../test/support/entries.js';
import { jpegOf, zipOf } from '../../../test/support/images.js';
import { eventually } from '../../../test/support/stack.js';
import { campaignId, mongo, open, shim, usePagesStack } from '../support/pages-fixture.js';
import { settle, textsOf } from '../support/simulate.js';

// 报名 and 我的报名 as a participant uses them: the form's pictures picked and uploaded, a
// refused one said in Chinese, the entry sent; then the entry's status and timeline, and
// withdrawing it.
usePagesStack();

const files = mkdtempSync(join(tmpdir(), 'mp-pages-entries-'));
function file(name: string, bytes: Buffer): string {
  const path = join(files, name);
  writeFileSync(path, bytes);
  return path;
}

beforeAll(async () => {
  await openEntries(mongo, campaignId, { perParticipant: 2, text: 'required', minImages: 1, maxImages: 2 });
});

describe('the entry form', () => {
  it('is offered on the campaign page, and sends an entry with its uploaded pictures', async () => {
    const campaign = await open('pages/campaign/index', { campaignId });
    expect(textsOf(campaign, '.enter')).toEqual(['我要报名']);
    campaign.querySelector('.enter')?.dispatchEvent('tap');
    await settle();
    expect(shim.navigations.at(-1)).toBe(`/pages/entry/index?campaignId=${campaignId}`);
    campaign.instance.onUnload();

    const page = await open('pages/entry/index', { campaignId });
    expect(textsOf(page, '.label')).toEqual(['作品名称', '作品说明', '图片（至少 1 张，最多 2 张）']);
    // Sent before it is filled in: told what is missing, nothing sent.
    page.querySelector('.submit')?.dispatchEvent('tap');
    await settle();
    expect(textsOf(page, '.problem')).toEqual(['请填写作品名称']);

    page.querySelector('.entry-title')?.dispatchEvent('input', { detail: { value: '断桥残雪' } });
    page.querySelector('.entry-text')?.dispatchEvent('input', { detail: { value: '一月的清晨' } });
    shim.mediaPicks.push([file('good.jpg', jpegOf(80, 60)), file('bad.jpg', zipOf())]);
    page.querySelector('.add')?.dispatchEvent('tap');
    await eventually(async () => {
      const pictures = page.instance.data.pictures as { state: string }[];
      return pictures.length === 2 && pictures.every((p) => p.state !== 'uploading');
    });
    await settle();
    expect(textsOf(page, '.picture-error')).toEqual(['这张图片无法使用，请换一张 JPG 或 PNG 图片']);

    page.querySelector('.submit')?.dispatchEvent('tap');
    await eventually(async () => page.instance.data.submittedId !== '');
    await settle();
    expect(textsOf(page, '.done-title')).toEqual(['报名已提交']);
    const entry = await entryModels(mongo).entries.findById(page.instance.data.submittedId).lean();
    expect(entry).toMatchObject({ title: '断桥残雪', text: '一月的清晨', status: 'pending' });
    expect(entry?.images).toHaveLength(1);
    const [stored] = await findEntryImages(mongo, [entry?.images[0]?.imageId ?? '']);
    expect(stored?.metadata).toMatchObject({ width: 80, height: 60, entryId: entry?._id });
  });
});

describe('我的报名', () => {
  it('shows each entry with its status and timeline, and withdraws one after asking', async () => {
    const page = await open('pages/my-entries/index', { campaignId });
    expect(textsOf(page, '.what')).toEqual(['断桥残雪']);
    expect(textsOf(page, '.status')).toEqual(['内容检测中']);
    expect(textsOf(page, '.step-label')).toEqual(['内容检测中']);
    page.querySelector('.withdraw')?.dispatchEvent('tap');
    await eventually(
      async () => (page.instance.data.rows as { status: string }[])[0]?.status === 'withdrawn',
    );
    await settle();
    expect(textsOf(page, '.status')).toEqual(['已撤回']);
    expect(textsOf(page, '.step-label')).toEqual(['内容检测中', '已撤回']);
    expect(textsOf(page, '.withdraw')).toEqual([]);
    expect(shim.shown).toContain('已撤回');
  });
});
