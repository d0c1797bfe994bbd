import type { CampaignView, Recommendations } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { call, campaignBody } from '../../server/test/support/hosts.js';
import { participantToken } from '../support/participants.js';
import { config, decided, host, server, useRiskReviewStack, vote } from '../support/risk-review-fixture.js';
import { eventually } from '../support/stack.js';

// 猜你喜欢 through the real pipeline: tags set by the host, likes counted by the workers teaching
// a participant's interests, and the recommendations changing what comes first.
useRiskReviewStack();

const asHost = <T>(method: string, path: string, body?: unknown) =>
  call<T>(server, host.token, method, path, body);

/** A live like campaign made through the API, with tags on it and its candidates. */
async function taggedCampaign(title: string, tags: string[], members: [string, string[]][]): Promise<string> {
  const created = await asHost<CampaignView>(
    'POST',
    '/api/campaigns',
    campaignBody({
      title,
      kind: 'like',
      rules: {},
      tags,
      members: members.map(([candidateId, memberTags]) => ({
        candidateId,
        name: candidateId,
        tags: memberTags,
      })),
    }),
  );
  expect(created.status).toBe(201);
  expect(created.body.tags).toEqual(tags);
  const id = created.body.id;
  for (const status of ['scheduled', 'live']) {
    expect((await asHost('POST', `/api/campaigns/${id}/status`, { status })).status).toBe(200);
  }
  return id;
}

async function recommendedTo(participantId: string): Promise<Recommendations> {
  const res = await fetch(`${server.url}/api/me/recommendations?limit=50`, {
    headers: { authorization: `Bearer ${await participantToken(config, participantId)}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Recommendations;
}

const voter = (name: string, i: number) => ({
  participantId: `p-rec-${name}`,
  ip: `198.18.${i}.${10 + i}`,
  deviceId: `dev-rec-${name}`,
  dwellMs: 5_000 + i * 300,
});

describe('recommendations', () => {
  it('take tags without commas (a comma would split one tag in two)', async () => {
    const refused = await asHost('POST', '/api/campaigns', campaignBody({ tags: ['摄影,人像'] }));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('a tag has no comma');
  });

  it('give a newcomer the popular candidates, then follow what their counted likes teach', async () => {
    const music = await taggedCampaign(
      '校园歌手',
      ['音乐'],
      [
        ['rock', ['摇滚']],
        ['folk', ['民谣']],
      ],
    );
    const photo = await taggedCampaign(
      '摄影大赛',
      ['摄影'],
      [
        ['lens', ['风光']],
        ['film', ['人像']],
        ['macro', ['微距']],
      ],
    );
    // The crowd likes folk, then rock: the popular ones.
    for (const [i, name] of ['a', 'b', 'c'].entries()) await vote(music, 'folk', voter(name, i + 1), 'like');
    await vote(music, 'rock', voter('d', 4), 'like');
    await decided(music, 4);
    const mine = (r: Recommendations) =>
      r.candidates.filter((c) => c.campaignId === music || c.campaignId === photo).map((c) => c.candidateId);

    const fresh = await recommendedTo('p-rec-newcomer');
    expect(mine(fresh).slice(0, 2)).toEqual(['folk', 'rock']);
    expect(fresh.candidates.find((c) => c.candidateId === 'folk')?.reason).toEqual({ kind: 'popular' });

    // The newcomer likes a photograph: the other photographs come first now, and the liked one
    // is not recommended again, nor its campaign.
    const newcomer = voter('newcomer', 9);
    await vote(photo, 'lens', newcomer, 'like');
    await decided(photo, 1);
    await eventually(
      async () => mine(await recommendedTo(newcomer.participantId))[0] !== 'folk',
      10_000,
      'interests recorded',
    );
    const taught = await recommendedTo(newcomer.participantId);
    expect(mine(taught).slice(0, 2).sort()).toEqual(['film', 'macro']);
    expect(mine(taught)).not.toContain('lens');
    expect(taught.candidates.find((c) => c.candidateId === 'film')?.reason).toEqual({
      kind: 'interest',
      tag: '摄影',
    });
    expect(taught.campaigns.map((c) => c.campaignId)).not.toContain(photo);
    expect(taught.campaigns.map((c) => c.campaignId)).toContain(music);
    expect(taught.personalized).toBe(true);

    // Personalised recommendations off: what the likes taught is gone, and new likes teach nothing.
    const off = await fetch(`${server.url}/api/me/recommendation-settings`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await participantToken(config, newcomer.participantId)}`,
      },
      body: JSON.stringify({ personalized: false }),
    });
    expect(off.status).toBe(204);
    const plain = await recommendedTo(newcomer.participantId);
    expect(plain.personalized).toBe(false);
    expect(mine(plain)[0]).toBe('folk');
    expect(plain.candidates.every((c) => c.reason.kind === 'popular')).toBe(true);
    await vote(photo, 'film', newcomer, 'like');
    await decided(photo, 2);
    expect(await server.deps.redis.exists(server.deps.keys.interests.of(newcomer.participantId))).toBe(0);
  });
});
