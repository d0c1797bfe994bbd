import { connectMongo } from '@rallyboard/core/db';
import { setBoardStatus } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { asParticipant } from '../../../test/support/participants.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';
import { applyDirect } from '../support/boards.js';

const config = testConfig({ RATE_LIMIT_PER_IP: '12', RATE_LIMIT_PER_DEVICE: '3', RATE_LIMIT_PER_VOTER: '2' });
let mongo: Connection;
let server: TestServer;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

/**
 * A vote of `participantId`, to the server of the file's first cases unless `to` names another;
 * each request of a case has its own participant unless it tests that.
 */
async function post(
  boardId: string,
  body: object,
  participantId: string,
  headers: Record<string, string> = {},
  to: { server: TestServer; config: typeof config } = { server, config },
) {
  return fetch(`${to.server.url}/api/boards/${boardId}/votes`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(await asParticipant(to.config, participantId)),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

const queuedVotes = async () => {
  const jobs = await server.deps.voteQueue.getJobs(['waiting', 'active', 'delayed', 'completed']);
  return jobs.reduce((sum, job) => sum + job.data.votes.length, 0);
};

// One server, one address: the limits are shared, so each case uses its own devices and
// participants, and the IP case comes last (the cases before it spend 7 of its 12: only the
// requests they let through).
describe('ingest rate limits', () => {
  it('charges nothing for a vote refused by the campaign or board checks, which come first', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const closed = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    await setBoardStatus(server.deps.redis, server.deps.keys, closed, 'paused');
    const refused = [
      await post(boardId, { candidateId: 'mallory' }, 'p-checked', { 'x-device-id': 'dev-checked' }),
      await post(boardId, { candidateId: 'mallory' }, 'p-checked', { 'x-device-id': 'dev-checked' }),
      await post(closed, { candidateId: 'alice' }, 'p-checked', { 'x-device-id': 'dev-checked' }),
    ];
    expect(refused.map((r) => r.status)).toEqual([422, 422, 409]);
    // The participant's limit (2) is whole.
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++)
      statuses.push(
        (await post(boardId, { candidateId: 'alice' }, 'p-checked', { 'x-device-id': 'dev-checked' })).status,
      );
    expect(statuses).toEqual([202, 202]);
  });

  it('answers 429 RATE_LIMITED with Retry-After once a device has spent its minute, enqueuing nothing more', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const before = await queuedVotes();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await post(boardId, { candidateId: 'alice' }, `p-dev-${i}`, { 'x-device-id': 'dev-1' })).status,
      );
    expect(statuses).toEqual([202, 202, 202, 429]);
    const limited = await post(boardId, { candidateId: 'alice' }, 'p-dev-4', { 'x-device-id': 'dev-1' });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({
      error: { code: 'RATE_LIMITED', details: { scope: 'device', retryAfterSeconds: retryAfter } },
    });
    expect((await queuedVotes()) - before).toBe(3);
  });

  it('limits a participant across devices', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice'], { kind: 'like' });
    const statuses: number[] = [];
    for (const device of ['dev-a', 'dev-b', 'dev-c']) {
      const res = await post(boardId, { candidateId: 'alice', action: 'like' }, 'p-7', {
        'x-device-id': device,
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([202, 202, 429]);
  });

  it('refuses a device id that is not one, with INVALID_INPUT', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const res = await post(boardId, { candidateId: 'alice' }, 'p-bad-device', { 'x-device-id': 'a b{c}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_INPUT' } });
  });

  it('limits an address whatever device or participant it comes as', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push(
        (await post(boardId, { candidateId: 'alice' }, `p-fresh-${i}`, { 'x-device-id': `fresh-${i}` }))
          .status,
      );
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const last = await post(boardId, { candidateId: 'alice' }, 'p-another', { 'x-device-id': 'another' });
    expect(await last.json()).toMatchObject({ error: { code: 'RATE_LIMITED', details: { scope: 'ip' } } });
  });
});

describe('ingest rate limits behind one address', () => {
  const natConfig = testConfig({
    TRUST_PROXY: 'loopback',
    RATE_LIMIT_PER_IP: '6',
    RATE_LIMIT_PER_DEVICE: '0',
    RATE_LIMIT_PER_VOTER: '2',
  });
  let natServer: TestServer;
  beforeAll(async () => {
    natServer = await startTestServer(natConfig, mongo);
  });
  afterAll(() => natServer.close());

  const vote = async (boardId: string, participantId: string, from: string) => {
    const res = await post(
      boardId,
      { candidateId: 'alice' },
      participantId,
      { 'x-forwarded-for': from },
      { server: natServer, config: natConfig },
    );
    const body = (await res.json()) as { error?: { details?: { scope?: string } } };
    return body.error?.details?.scope ?? res.status;
  };

  it("spends none of the address's minute on one account's refused flood: the crowd behind it still votes", async () => {
    const boardId = await seedBoard(natConfig, natServer.deps.redis, mongo, ['alice']);
    const venue = '198.51.100.10';
    const flood: (number | string)[] = [];
    for (let i = 0; i < 8; i++) flood.push(await vote(boardId, 'p-flooder', venue));
    expect(flood).toEqual([202, 202, 'voter', 'voter', 'voter', 'voter', 'voter', 'voter']);
    // The address has spent 2 of its 6: four more of the crowd get in, then the address is full.
    const crowd: (number | string)[] = [];
    for (let i = 0; i < 5; i++) crowd.push(await vote(boardId, `p-crowd-${i}`, venue));
    expect(crowd).toEqual([202, 202, 202, 202, 'ip']);
  });

  it("limits an IPv6 client's /64 as one address: each of its addresses is no new budget", async () => {
    const boardId = await seedBoard(natConfig, natServer.deps.redis, mongo, ['alice']);
    const sent: (number | string)[] = [];
    for (let i = 1; i <= 7; i++) sent.push(await vote(boardId, `p-v6-${i}`, `2001:db8:40:1::${i}`));
    expect(sent).toEqual([202, 202, 202, 202, 202, 202, 'ip']);
    expect(await vote(boardId, 'p-v6-next', '2001:db8:40:2::1')).toBe(202);
  });

  it('gives a participant their point back when the address refuses them', async () => {
    const boardId = await seedBoard(natConfig, natServer.deps.redis, mongo, ['alice']);
    const full = '198.51.100.20';
    for (let i = 0; i < 6; i++) expect(await vote(boardId, `p-full-${i}`, full)).toBe(202);
    expect(await vote(boardId, 'p-mover', full)).toBe('ip');
    expect(await vote(boardId, 'p-mover', full)).toBe('ip');
    // Elsewhere, the participant's own minute (2) is whole.
    const elsewhere = '203.0.113.30';
    expect([await vote(boardId, 'p-mover', elsewhere), await vote(boardId, 'p-mover', elsewhere)]).toEqual([
      202, 202,
    ]);
  });

  it("charges nothing for a retry of a vote still queued: the key's vote was charged once", async () => {
    const boardId = await seedBoard(natConfig, natServer.deps.redis, mongo, ['alice']);
    const from = '198.51.100.40';
    const send = async (key: string) => {
      const res = await post(
        boardId,
        { candidateId: 'alice' },
        'p-retrier',
        { 'x-forwarded-for': from, 'idempotency-key': key },
        { server: natServer, config: natConfig },
      );
      const body = (await res.json()) as { voteId?: string; error?: { details?: { scope?: string } } };
      return body.voteId ?? body.error?.details?.scope ?? res.status;
    };
    const first = await send('retried-vote');
    expect(first).toMatch(/^k/);
    const retries = [await send('retried-vote'), await send('retried-vote'), await send('retried-vote')];
    expect(retries).toEqual([first, first, first]);
    // The participant's minute (2) has one left: one more vote, then the limit.
    expect(await send('another-vote')).toMatch(/^k/);
    expect(await send('a-third-vote')).toBe('voter');
  });
});

describe('ingest rate limits and quotas', () => {
  const quotaConfig = testConfig({ RATE_LIMIT_PER_VOTER: '2' });
  let quotaServer: TestServer;
  beforeAll(async () => {
    quotaServer = await startTestServer(quotaConfig, mongo);
  });
  afterAll(() => quotaServer.close());

  it('charges nothing for a vote the advisory quota check refuses, which comes first', async () => {
    const spent = await seedBoard(quotaConfig, quotaServer.deps.redis, mongo, ['alice'], {
      quotas: { perDay: 1 },
    });
    const open = await seedBoard(quotaConfig, quotaServer.deps.redis, mongo, ['alice']);
    await applyDirect(quotaServer.deps, spent, [{ candidateId: 'alice', voterId: 'p-quota' }]);
    const vote = async (boardId: string) => {
      const to = { server: quotaServer, config: quotaConfig };
      const res = await post(boardId, { candidateId: 'alice' }, 'p-quota', {}, to);
      const body = (await res.json()) as { error?: { code: string } };
      return body.error?.code ?? res.status;
    };
    const refused = [await vote(spent), await vote(spent), await vote(spent)];
    expect(refused).toEqual(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);
    // The participant's rate limit (2) is whole.
    expect([await vote(open), await vote(open), await vote(open)]).toEqual([202, 202, 'RATE_LIMITED']);
  });
});
