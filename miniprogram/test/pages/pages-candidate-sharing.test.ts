import { referralModel } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../test/support/config.js';
import { eventually, startTestWorker } from '../../../test/support/stack.js';
import { campaignId, config, mongo, open, shim, usePagesStack } from '../support/pages-fixture.js';
import { textsOf } from '../support/simulate.js';

// The candidate page shared, by its path or its code: a friend who opens it and votes is my
// invitee. Each sharer and friend is a WeChat user of their own: `user` changes between them.
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
let user = randomId('pg');
let logins = 0;
usePagesStack({ loginCode: () => `ok-${user}.${++logins}`, worker: () => worker });

describe('the candidate page', () => {
  it('shares with a path carrying my token, and a friend who opens it and votes is my invitee', async () => {
    const mine = await open('pages/candidate/index', { campaignId, candidateId: 'bob' });
    expect(textsOf(mine, '.name')).toEqual(['鲍勃']);
    const shared = mine.instance.onShareAppMessage();
    expect(shared.title).toBe('来为 鲍勃 助力吧');
    const token = /[?&]share=([A-Za-z0-9_-]+)/.exec(shared.path)?.[1];
    expect(shared.path).toBe(
      `/pages/candidate/index?campaignId=${campaignId}&candidateId=bob&share=${token}`,
    );
    const inviter = (shim.storage.get('rallyboard.session') as { participantId: string }).participantId;

    // A friend: another WeChat user on another phone, opening the shared path.
    shim.storage.clear();
    user = randomId('friend');
    const friend = await open('pages/candidate/index', {
      campaignId,
      candidateId: 'bob',
      share: token ?? '',
    });
    worker ??= await startTestWorker(config, mongo);
    const before = shim.requests.length;
    friend.querySelector('.vote-button')?.dispatchEvent('tap');
    await eventually(
      async () => shim.requests.length > before && friend.instance.data.busy === false,
      10_000,
      'the tap handled',
    );
    expect(shim.requests.at(-1)?.body).toMatchObject({ candidateId: 'bob', shareToken: token });
    await eventually(
      async () => (await referralModel(mongo).countDocuments({ campaignId, inviterId: inviter })) === 1,
      20_000,
      'the referral made',
    );
  });

  it('opens from a scanned code: the scene is the token, and the scanner who votes is my invitee', async () => {
    const mine = await open('pages/candidate/index', { campaignId, candidateId: 'alice' });
    const token = mine.instance.data.shareToken as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const inviter = (shim.storage.get('rallyboard.session') as { participantId: string }).participantId;

    // Someone else scans the poster's code: WeChat opens the page with the token as `scene`.
    shim.storage.clear();
    user = randomId('scanner');
    const scanned = await open('pages/candidate/index', { scene: encodeURIComponent(token) });
    expect(textsOf(scanned, '.name')).toEqual(['爱丽丝']);
    expect(scanned.instance.data.campaignId).toBe(campaignId);
    expect(shim.storage.get('rallyboard.shares')).toEqual({ [campaignId]: token });
    worker ??= await startTestWorker(config, mongo);
    const before = shim.requests.length;
    scanned.querySelector('.vote-button')?.dispatchEvent('tap');
    await eventually(
      async () => shim.requests.length > before && scanned.instance.data.busy === false,
      10_000,
      'the tap handled',
    );
    expect(shim.requests.at(-1)?.body).toMatchObject({ candidateId: 'alice', shareToken: token });
    await eventually(
      async () => (await referralModel(mongo).countDocuments({ campaignId, inviterId: inviter })) === 1,
      20_000,
      'the referral made',
    );
  });
});
