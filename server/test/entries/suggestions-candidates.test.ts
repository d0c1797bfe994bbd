import { campaignModel, entryModels } from '@rallyboard/core/db';
import { type ErrorBody, REMOVED_REASON } from '@rallyboard/core/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { bindWeChat } from '../support/hosts.js';
import {
  asHost,
  type Entrant,
  entrant,
  env,
  fx,
  listSuggestions,
  mine,
  readSuggestion,
  submit,
  suggestionBox,
  useEntriesEnv,
} from './entries-fixture.js';

// What a suggestion box publishes follows the candidates its suggestions became: a suggestion
// whose candidate the host removes leaves the box (and gives its author their place back), and a
// host's edit of the candidate is what the box shows.
useEntriesEnv();
beforeAll(async () => {
  // Editing a candidate's text asks WeChat, as the host's bound WeChat user.
  await bindWeChat(env.server, fx.host, env.fake);
});

async function published(campaignId: string, author: Entrant, title: string, withPicture = false) {
  const entry = await submit(author, campaignId, {
    title,
    text: '建议在小区东门加装路灯',
    ...(withPicture ? {} : { images: [] }),
  });
  expect(entry.status).toBe(201);
  await eventually(async () => (await readSuggestion(campaignId, entry.body.id)).status === 200);
  return entry.body;
}

const media = (imageId: string | undefined) =>
  fetch(`${env.server.url}/media/entries/${imageId}`).then((r) => r.status);

describe('a suggestion box and its candidates', () => {
  it('takes a suggestion down with its candidate: off the box, its pictures deleted, its author told and free to send another', async () => {
    const campaignId = await suggestionBox('scheduled', { perParticipant: 1 });
    const author = await entrant();
    const entry = await published(campaignId, author, '东门加装路灯', true);
    const imageId = entry.images[0]?.imageId;
    expect(await media(imageId)).toBe(200);

    const removed = await asHost('DELETE', `/api/campaigns/${campaignId}/members/${entry.id}`);
    expect(removed.status).toBe(200);
    expect((await readSuggestion(campaignId, entry.id)).status).toBe(404);
    expect(await listSuggestions(campaignId)).toEqual([]);
    expect(await media(imageId)).toBe(404);
    const moved = await asHost('POST', `/api/campaigns/${campaignId}/suggestions/${entry.id}/progress`, {
      status: 'under-study',
    });
    expect((moved.body as ErrorBody).error.code).toBe('ENTRY_NOT_FOUND');

    // Its author reads that the host removed it, and when; the record says who.
    const seen = await mine(author, entry.id);
    expect(seen).toMatchObject({ status: 'removed', reason: REMOVED_REASON, images: [] });
    expect(seen?.history.at(-1)).toMatchObject({ status: 'removed', note: REMOVED_REASON });
    const doc = await entryModels(env.mongo).entries.findById(entry.id).lean();
    expect(doc?.removedBy).toBe(fx.host.id);
    // It no longer holds the author's one place.
    expect((await submit(author, campaignId, { title: '西门加装路灯', images: [] })).status).toBe(201);
  });

  it('neither shows a suggestion whose candidate is gone nor counts its place, even if its entry was not moved (a crash in between)', async () => {
    const campaignId = await suggestionBox('live', { perParticipant: 1 });
    const kept = await published(campaignId, await entrant(), '增设快递柜');
    const author = await entrant();
    const lost = await published(campaignId, author, '修缮儿童乐园');
    // The candidate goes as a removal that died before its entry was written would leave it.
    const campaign = await campaignModel(env.mongo).findById(campaignId).lean();
    const members = campaign?.members.filter((m) => m.candidateId !== lost.id);
    await campaignModel(env.mongo).updateOne({ _id: campaignId }, { $set: { members } });
    expect((await readSuggestion(campaignId, lost.id)).status).toBe(404);
    expect((await listSuggestions(campaignId)).map((s) => s.id)).toEqual([kept.id]);
    expect((await submit(author, campaignId, { title: '儿童乐园加装围栏', images: [] })).status).toBe(201);
  });

  it("shows the candidate as the host last saved it: an edit's name and description replace the entry's", async () => {
    const campaignId = await suggestionBox();
    const author = await entrant();
    const entry = await published(campaignId, author, '东门路灯（附手机号13800000000）');
    const edit = (body: unknown) => asHost('PATCH', `/api/campaigns/${campaignId}/members/${entry.id}`, body);

    expect((await edit({ name: '东门加装路灯', description: '' })).status).toBe(200);
    const read = await readSuggestion(campaignId, entry.id);
    expect(read.body).toMatchObject({ title: '东门加装路灯', candidateId: entry.id });
    expect(read.body.text).toBeUndefined();
    expect(JSON.stringify(await listSuggestions(campaignId))).not.toContain('13800000000');

    expect((await edit({ description: '夜间东门无照明，建议加装两盏路灯' })).status).toBe(200);
    expect((await readSuggestion(campaignId, entry.id)).body.text).toBe('夜间东门无照明，建议加装两盏路灯');
    // The author still reads what they sent.
    expect((await mine(author, entry.id))?.title).toBe('东门路灯（附手机号13800000000）');
  });
});
