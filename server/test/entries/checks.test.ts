import { campaignModel, entryModels } from '@rallyboard/core/db';
import {
  type EntryStatus,
  type EntryView,
  type ModerationEntry,
  RISKY_REASON,
} from '@rallyboard/core/protocol';
import { entryJobId, queueEntryJob } from '@rallyboard/core/queue';
import { createKeys } from '@rallyboard/core/redis';
import { describe, expect, it } from 'vitest';
import { deliverPush, type PushTarget } from '../../../scripts/wechat-fake/push.js';
import { eventually } from '../../../test/support/stack.js';
import { FAKE_PATHS } from '../../../test/support/wechat.js';
import { asHost, entrant, entryCampaign, env, fx, mine, submit, useEntriesEnv } from './entries-fixture.js';

// An entry's content checks, end to end: the server takes it, the workers ask the fake WeChat
// (msgSecCheck at once, mediaCheckAsync by push to the server's message-push URL), and the entry
// settles: rejected when a check says risky, to the hosts when one says review or could not run,
// a candidate at once when all pass and the campaign approves automatically.
useEntriesEnv();

async function settled(who: Awaited<ReturnType<typeof entrant>>, entryId: string, status: EntryStatus) {
  let seen: EntryView | undefined;
  await eventually(
    async () => {
      seen = await mine(who, entryId);
      return seen?.status === status;
    },
    10_000,
    `entry ${entryId} ${status} (it is ${seen?.status})`,
  );
  return seen as EntryView;
}

const queued = async (campaignId: string, status: EntryStatus = 'in-review') =>
  (
    await asHost<{ entries: ModerationEntry[] }>(
      'GET',
      `/api/campaigns/${campaignId}/entries?status=${status}`,
    )
  ).body.entries;

describe('content checks', () => {
  it('send an entry whose text and images pass to the hosts’ queue, checked', async () => {
    const campaignId = await entryCampaign();
    const who = await entrant();
    const entry = await submit(who, campaignId, { text: '清晨六点的断桥' });
    await settled(who, entry.body.id, 'in-review');
    const [listed] = await queued(campaignId);
    expect(listed).toMatchObject({ id: entry.body.id, checks: { text: 'pass', images: ['pass'] } });
    expect(listed?.author).toMatchObject({ participantId: who.userId });
  });

  it('make an entry a candidate at once when the campaign approves automatically', async () => {
    const campaignId = await entryCampaign({ approval: 'auto' });
    const who = await entrant();
    const entry = await submit(who, campaignId, { title: '雷峰夕照' });
    const approved = await settled(who, entry.body.id, 'approved');
    expect(approved.candidateId).toBe(entry.body.id);
    const campaign = await campaignModel(env.mongo).findById(campaignId).lean();
    expect(campaign?.members.find((m) => m.candidateId === entry.body.id)).toMatchObject({
      name: '雷峰夕照',
      imageUrl: `https://entries.rallyboard.test/media/entries/${entry.body.images[0]?.imageId}`,
    });
    // The board takes votes for it: the candidate is registered.
    const members = await fetch(`${env.server.url}/api/boards/${campaignId}/members/${entry.body.id}`);
    expect(members.status).toBe(200);
  });

  it('reject an entry whose text WeChat finds risky, and delete its images', async () => {
    env.fake.state.blockWord('代刷票', 20_008, 'risky');
    const campaignId = await entryCampaign({ approval: 'auto' });
    const who = await entrant();
    const entry = await submit(who, campaignId, { title: '作品', text: '专业代刷票，价格优惠' });
    const rejected = await settled(who, entry.body.id, 'rejected');
    expect(rejected.reason).toBe(RISKY_REASON);
    const image = await fetch(`${env.server.url}/media/entries/${entry.body.images[0]?.imageId}`);
    expect(image.status).toBe(404);
    const campaign = await campaignModel(env.mongo).findById(campaignId).lean();
    expect(campaign?.members.map((m) => m.candidateId)).not.toContain(entry.body.id);
  });

  it('reject an entry whose image WeChat finds risky, even when the campaign approves automatically', async () => {
    const campaignId = await entryCampaign({ approval: 'auto' });
    const who = await entrant();
    env.fake.state.setMediaVerdict('/media/entries/', 'risky', 20_002);
    try {
      const entry = await submit(who, campaignId, { text: '一张风景照' });
      const rejected = await settled(who, entry.body.id, 'rejected');
      expect(rejected.reason).toBe(RISKY_REASON);
      const campaign = await campaignModel(env.mongo).findById(campaignId).lean();
      expect(campaign?.members.map((m) => m.candidateId)).not.toContain(entry.body.id);
    } finally {
      env.fake.state.mediaVerdicts.clear();
    }
  });

  it('send an entry to the hosts when WeChat asks for a human review', async () => {
    env.fake.state.blockWord('抽奖', 10_001, 'review');
    const campaignId = await entryCampaign({ approval: 'auto' });
    const who = await entrant();
    const entry = await submit(who, campaignId, { text: '转发抽奖' });
    await settled(who, entry.body.id, 'in-review');
    const [listed] = await queued(campaignId);
    expect(listed?.checks.text).toBe('review');
  });

  it('keep an entry pending and unseen while WeChat does not answer, and check it once WeChat is back', async () => {
    const campaignId = await entryCampaign();
    const who = await entrant();
    env.fake.state.failNext(FAKE_PATHS.msgSecCheck, -1, 3);
    const entry = await submit(who, campaignId, { text: '断桥残雪' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await mine(who, entry.body.id))?.status).toBe('pending');
    expect(await queued(campaignId)).toEqual([]);
    await settled(who, entry.body.id, 'in-review');
    expect(env.fake.state.callCount(FAKE_PATHS.mediaCheck)).toBeGreaterThan(0);
    const [listed] = await queued(campaignId);
    expect(listed?.checks).toEqual({ text: 'pass', images: ['pass'] });
  });

  it('send an entry to the hosts, marked unchecked and why, when WeChat refuses to check it', async () => {
    const campaignId = await entryCampaign({ approval: 'auto' });
    const who = await entrant();
    env.fake.state.failNext(FAKE_PATHS.mediaCheck, 40_097, 1);
    const entry = await submit(who, campaignId);
    await settled(who, entry.body.id, 'in-review');
    const [listed] = await queued(campaignId);
    expect(listed?.checks.images).toEqual(['unchecked']);
    expect(listed?.checks.note).toContain('40097');
  });

  it('send an entry to the hosts, unchecked, when its image verdict does not come in time', async () => {
    const campaignId = await entryCampaign({ approval: 'auto' });
    const who = await entrant();
    const push = env.fake.state.push;
    env.fake.state.push = undefined;
    try {
      const entry = await submit(who, campaignId);
      // The check was asked (a trace id), and the deadline is queued.
      let job: Awaited<ReturnType<typeof fx.worker.queue.getJob>>;
      await eventually(async () => {
        job = await fx.worker.queue.getJob(entryJobId({ kind: 'expire', entryId: entry.body.id }));
        return job !== undefined;
      });
      expect((await mine(who, entry.body.id))?.status).toBe('pending');
      await job?.promote();
      await settled(who, entry.body.id, 'in-review');
      const [listed] = await queued(campaignId);
      expect(listed?.checks.images).toEqual(['unchecked']);
      expect(listed?.checks.note).toContain('no image verdict');
      const stored = await entryModels(env.mongo).entries.findById(entry.body.id).lean();
      expect(stored?.images[0]?.traceId).toBeDefined();
    } finally {
      env.fake.state.push = push;
    }
  });

  it('take an entry’s pictures down when a verdict given up on comes late and says risky, and reject it if the hosts have not decided', async () => {
    const campaignId = await entryCampaign({ approval: 'auto' });
    const push = env.fake.state.push;
    env.fake.state.push = undefined;
    try {
      // Two entries whose image verdicts do not come in time: both go to the hosts, unchecked,
      // and a host approves the second (a candidate, its picture shown).
      const [ann, ben] = [await entrant(), await entrant()];
      const waiting = [await submit(ann, campaignId), await submit(ben, campaignId)];
      for (const [who, entry] of [
        [ann, waiting[0]],
        [ben, waiting[1]],
      ] as const) {
        let job: Awaited<ReturnType<typeof fx.worker.queue.getJob>>;
        await eventually(async () => {
          job = await fx.worker.queue.getJob(entryJobId({ kind: 'expire', entryId: entry?.body.id ?? '' }));
          return job !== undefined;
        });
        await job?.promote();
        await settled(who, entry?.body.id ?? '', 'in-review');
      }
      const approved = await asHost('POST', `/api/campaigns/${campaignId}/entries/decisions`, {
        entryIds: [waiting[1]?.body.id],
        decision: 'approve',
      });
      expect(approved.status).toBe(200);
      await settled(ben, waiting[1]?.body.id ?? '', 'approved');

      // WeChat's verdicts come after all: risky.
      for (const entry of waiting) {
        const stored = await entryModels(env.mongo).entries.findById(entry.body.id).lean();
        const message = {
          ToUserName: 'gh_fake',
          FromUserName: 'o-late',
          CreateTime: Math.floor(Date.now() / 1000),
          MsgType: 'event',
          Event: 'wxa_media_check',
          appid: env.fake.state.appId,
          trace_id: stored?.images[0]?.traceId,
          version: 2,
          result: { suggest: 'risky', label: 20_002 },
          detail: [{ strategy: 'content_model', errcode: 0, suggest: 'risky', label: 20_002, prob: 90 }],
        };
        expect((await deliverPush(push as PushTarget, message, env.fake.state.appId)).status).toBe(200);
      }
      // The first, still with the hosts, is rejected; the approved one stands, without its picture.
      expect((await settled(ann, waiting[0]?.body.id ?? '', 'rejected')).reason).toBe(RISKY_REASON);
      for (const entry of waiting) {
        await eventually(
          async () =>
            (await fetch(`${env.server.url}/media/entries/${entry.body.images[0]?.imageId}`)).status === 404,
          10_000,
          'the picture taken down',
        );
      }
      expect((await mine(ben, waiting[1]?.body.id ?? ''))?.status).toBe('approved');
    } finally {
      env.fake.state.push = push;
    }
  }, 60_000);

  it('take the pictures down on a retry when a run saved a late risky verdict and died before', async () => {
    const campaignId = await entryCampaign({ approval: 'auto' });
    const push = env.fake.state.push;
    env.fake.state.push = undefined;
    try {
      const who = await entrant();
      const entry = await submit(who, campaignId);
      let job: Awaited<ReturnType<typeof fx.worker.queue.getJob>>;
      await eventually(async () => {
        job = await fx.worker.queue.getJob(entryJobId({ kind: 'expire', entryId: entry.body.id }));
        return job !== undefined;
      });
      await job?.promote();
      await settled(who, entry.body.id, 'in-review');
      // The late verdict was written on the picture, then the run died: nothing else was done.
      const { entries } = entryModels(env.mongo);
      await entries.updateOne({ _id: entry.body.id }, { $set: { 'images.0.check': 'risky' } });
      const traceId = (await entries.findById(entry.body.id).lean())?.images[0]?.traceId ?? '';
      // The verdict's job runs again (its retry).
      await queueEntryJob(fx.worker.queue, { kind: 'verdict', traceId });
      expect((await settled(who, entry.body.id, 'rejected')).reason).toBe(RISKY_REASON);
      const image = await fetch(`${env.server.url}/media/entries/${entry.body.images[0]?.imageId}`);
      expect(image.status).toBe(404);
    } finally {
      env.fake.state.push = push;
    }
  }, 60_000);

  it('retries an automatic approval while the campaign is busy, rather than sending the entry to the hosts', async () => {
    const campaignId = await entryCampaign({ approval: 'auto' });
    const who = await entrant();
    // A host's long edit holds the campaign's lock for longer than an approval waits for it (5 s).
    const lock = createKeys(env.config.keyPrefix).campaignLock(campaignId);
    await fx.worker.deps.redis.set(lock, 'a-long-edit', 'PX', 6_500);
    const entry = await submit(who, campaignId);
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    expect((await mine(who, entry.body.id))?.status).toBe('pending');
    await settled(who, entry.body.id, 'approved');
  }, 30_000);
});
