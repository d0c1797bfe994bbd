import { auditModel, campaignModel, entryModels } from '@rallyboard/core/db';
import type {
  DecideEntriesAnswer,
  EntryView,
  ErrorBody,
  ModerationEntry,
  ModerationPage,
} from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import {
  asEntrant,
  asHost,
  entrant,
  entryCampaign,
  env,
  mine,
  submit,
  useEntriesEnv,
} from './entries-fixture.js';

// The hosts' moderation queue: entries waiting for a decision, with their checks and where they
// came from; approved (each becomes a candidate) or rejected (with the reason its author reads) in
// bulk, each decision audited.
useEntriesEnv();

async function inReview(campaignId: string, count: number): Promise<ModerationEntry[]> {
  let entries: ModerationEntry[] = [];
  await eventually(async () => {
    entries = (await asHost<{ entries: ModerationEntry[] }>('GET', `/api/campaigns/${campaignId}/entries`))
      .body.entries;
    return entries.length === count;
  });
  return entries;
}

const decide = (campaignId: string, body: unknown) =>
  asHost<DecideEntriesAnswer>('POST', `/api/campaigns/${campaignId}/entries/decisions`, body);

describe('the moderation queue', () => {
  it('approves entries in bulk: each becomes a candidate once, and each decision is audited', async () => {
    const campaignId = await entryCampaign({ perParticipant: 2 });
    const alice = await entrant();
    const bob = await entrant();
    const first = await submit(alice, campaignId, { title: '晨雾' });
    const second = await submit(bob, campaignId, { title: '夕照' });
    const queue = await inReview(campaignId, 2);
    expect(queue.map((e) => e.title)).toEqual(['晨雾', '夕照']);

    const ids = [first.body.id, second.body.id];
    const answer = await decide(campaignId, { entryIds: ids, decision: 'approve' });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual(
      ids.map((entryId) => ({ entryId, outcome: 'approved', candidateId: entryId })),
    );
    // Approving again changes nothing.
    const again = await decide(campaignId, { entryIds: ids, decision: 'approve' });
    expect(again.body.results.map((r) => r.outcome)).toEqual(['not-in-review', 'not-in-review']);

    const campaign = await campaignModel(env.mongo).findById(campaignId).lean();
    expect(campaign?.members.filter((m) => ids.includes(m.candidateId)).map((m) => m.name)).toEqual([
      '晨雾',
      '夕照',
    ]);
    expect((await mine(alice, first.body.id))?.status).toBe('approved');
    const audit = await auditModel(env.mongo).find({ campaignId, action: 'entry.approve' }).lean();
    expect(audit.map((a) => a.target)).toEqual(
      expect.arrayContaining(ids.map((id) => ({ type: 'entry', id }))),
    );
    // An approved entry can no longer be withdrawn by its author.
    const withdraw = await asEntrant(alice, 'POST', `/api/me/entries/${first.body.id}/withdraw`);
    expect((withdraw.body as ErrorBody).error.code).toBe('ENTRY_NOT_WITHDRAWABLE');
  });

  it('rejects with a note its author reads, and deletes the images', async () => {
    const campaignId = await entryCampaign();
    const who = await entrant();
    const entry = await submit(who, campaignId);
    await inReview(campaignId, 1);
    const answer = await decide(campaignId, {
      entryIds: [entry.body.id],
      decision: 'reject',
      note: '作品与主题无关',
    });
    expect(answer.body.results).toEqual([{ entryId: entry.body.id, outcome: 'rejected' }]);
    const seen = (await mine(who, entry.body.id)) as EntryView;
    expect(seen).toMatchObject({ status: 'rejected', reason: '作品与主题无关', images: [] });
    expect(seen.history.map((h) => h.status)).toEqual(['pending', 'in-review', 'rejected']);
    const image = await fetch(`${env.server.url}/media/entries/${entry.body.images[0]?.imageId}`);
    expect(image.status).toBe(404);
  });

  it('needs a note to reject, and answers each entry of another campaign as not found', async () => {
    const campaignId = await entryCampaign();
    const elsewhere = await entryCampaign();
    const entry = await submit(await entrant(), elsewhere);
    const noNote = await decide(campaignId, { entryIds: [entry.body.id], decision: 'reject' });
    expect(noNote.status).toBe(400);
    const answer = await decide(campaignId, { entryIds: [entry.body.id], decision: 'approve' });
    expect(answer.body.results).toEqual([{ entryId: entry.body.id, outcome: 'not-found' }]);
  });

  it('shows how many entries came from one device: a farm submitting entries is visible', async () => {
    const campaignId = await entryCampaign();
    const farm = await Promise.all([1, 2, 3].map(() => entrant('device-farm-1')));
    for (const who of farm) await submit(who, campaignId);
    const honest = await entrant();
    await submit(honest, campaignId);
    const queue = await inReview(campaignId, 4);
    expect(queue.map((e) => e.sameDevice).sort()).toEqual([1, 3, 3, 3]);
    const stored = await entryModels(env.mongo).entries.find({ campaignId }).lean();
    expect(new Set(stored.map((e) => e.deviceId))).toContain('device-farm-1');
  });

  it('answers each entry its own outcome when some cannot be decided: a campaign over refuses approvals', async () => {
    const campaignId = await entryCampaign({ perParticipant: 2 });
    const who = await entrant();
    const first = await submit(who, campaignId);
    const second = await submit(who, campaignId);
    await inReview(campaignId, 2);
    await campaignModel(env.mongo).updateOne({ _id: campaignId }, { $set: { status: 'ended' } });
    const answer = await decide(campaignId, {
      entryIds: [first.body.id, second.body.id],
      decision: 'approve',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { entryId: first.body.id, outcome: 'refused', code: 'CAMPAIGN_NOT_EDITABLE' },
      { entryId: second.body.id, outcome: 'refused', code: 'CAMPAIGN_NOT_EDITABLE' },
    ]);
    const rejected = await decide(campaignId, {
      entryIds: [first.body.id],
      decision: 'reject',
      note: '活动已结束',
    });
    expect(rejected.body.results).toEqual([{ entryId: first.body.id, outcome: 'rejected' }]);
  });

  it('pages through a queue longer than a page, oldest first, and a decision meanwhile shifts nothing', async () => {
    const campaignId = await entryCampaign();
    const sent: string[] = [];
    for (const title of ['一', '二', '三', '四', '五']) {
      sent.push((await submit(await entrant(), campaignId, { title, images: [] })).body.id);
    }
    await inReview(campaignId, 5);
    const page = (cursor?: string) =>
      asHost<ModerationPage>(
        'GET',
        `/api/campaigns/${campaignId}/entries?status=in-review&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
    const first = await page();
    expect(first.body.entries.map((e) => e.id)).toEqual(sent.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    // The host decides what it has seen; the next page starts where the first left off.
    await decide(campaignId, { entryIds: sent.slice(0, 2), decision: 'approve' });
    const second = await page(first.body.nextCursor ?? undefined);
    expect(second.body.entries.map((e) => e.id)).toEqual(sent.slice(2, 4));
    const last = await page(second.body.nextCursor ?? undefined);
    expect(last.body.entries.map((e) => e.id)).toEqual(sent.slice(4));
    expect(last.body.nextCursor).toBeNull();
    expect((await page('not-a-cursor')).status).toBe(400);
  });
});
