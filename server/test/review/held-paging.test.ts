import { ledgerModel } from '@rallyboard/core/db';
import type { HeldGroup, HeldVote } from '@rallyboard/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, campaignBody, createTestHost, type TestHost } from '../support/hosts.js';

const config = testConfig();
let server: TestServer;
let host: TestHost;
let campaignId: string;
const HELD = 250;

/** Held vote `i`: a device farm (d-1) for the first 150, a network for the rest; 3 share each ms. */
function heldRecord(i: number) {
  const farm = i < 150;
  const cluster = farm ? 'device:d-1' : 'ip:10.0.0.9';
  const rule = farm ? 'deviceAccounts' : 'ipAccounts';
  return {
    _id: `v${String(i).padStart(4, '0')}.held-paging-test`,
    boardId: campaignId,
    candidateId: i % 5 === 0 ? 'bob' : 'alice',
    action: 'vote',
    voterId: `p-${i % 40}`,
    verdict: 'held',
    day: '2026-03-01',
    acceptedAt: new Date(Date.UTC(2026, 2, 1) + Math.floor(i / 3)),
    decidedAt: new Date(),
    context: { ip: '10.0.0.9', deviceId: 'd-1', userAgent: 'a long user agent '.repeat(20) },
    risk: {
      verdict: 'review',
      score: 80,
      reasons: [{ rule, value: 9, threshold: 3, weight: 80, action: 'review', text: `rule ${rule}` }],
      clusters: [cluster],
      net24: '10.0.0.0/24',
      net16: '10.0.0.0/16',
      features: {},
      text: 'held',
    },
    review: { state: 'held', at: new Date(), by: 'risk' },
  };
}

beforeAll(async () => {
  server = await startTestServer(config);
  host = await createTestHost(server);
  const created = await call<{ id: string }>(server, host.token, 'POST', '/api/campaigns', campaignBody());
  campaignId = created.body.id;
  const records = Array.from({ length: HELD }, (_, i) => heldRecord(i));
  // One approved vote, which the review queue no longer lists.
  records.push({ ...heldRecord(HELD), review: { state: 'approved', at: new Date(), by: host.id } });
  await ledgerModel(server.deps.mongo).collection.insertMany(records as never[]);
});
afterAll(async () => {
  await server.close();
});

interface HeldList {
  held: number;
  votes?: HeldVote[];
  groups?: HeldGroup[];
  nextCursor?: string | null;
}
const held = (query: string) =>
  call<HeldList>(server, host.token, 'GET', `/api/campaigns/${campaignId}/review/held?${query}`);

describe('the held votes', () => {
  it('are listed a page at a time: limit and cursor walk every held vote once', async () => {
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await held(`limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expect(page.body.held).toBe(HELD);
      seen.push(...(page.body.votes ?? []).map((v) => v.voteId));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(HELD);
    expect(new Set(seen).size).toBe(HELD);
  });

  it('are listed with what the review view shows of each', async () => {
    const page = await held('limit=1');
    expect(page.body.votes?.[0]).toEqual({
      voteId: expect.any(String),
      candidateId: expect.any(String),
      action: 'vote',
      voterId: expect.any(String),
      acceptedAt: expect.any(String),
      counted: false,
      ip: '10.0.0.9',
      deviceId: 'd-1',
      score: 80,
      reasons: [expect.objectContaining({ rule: 'ipAccounts' })],
      clusters: ['ip:10.0.0.9'],
    });
  });

  it('of one cluster are paged too', async () => {
    const first = await held('cluster=device:d-1&limit=100');
    expect(first.body.held).toBe(150);
    expect(first.body.votes).toHaveLength(100);
    const next = await held(
      `cluster=device:d-1&limit=100&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
    );
    expect(next.body.votes).toHaveLength(50);
    expect(next.body.nextCursor).toBeNull();
  });

  it('are grouped over every held vote, not one page', async () => {
    const byCluster = await held('groupBy=cluster');
    expect(byCluster.body.held).toBe(HELD);
    expect(byCluster.body.groups).toEqual([
      {
        key: 'device:d-1',
        label: expect.any(String),
        votes: 150,
        voters: 40,
        candidates: [
          { candidateId: 'alice', votes: 120 },
          { candidateId: 'bob', votes: 30 },
        ],
      },
      {
        key: 'ip:10.0.0.9',
        label: expect.any(String),
        votes: 100,
        voters: 40,
        candidates: [
          { candidateId: 'alice', votes: 80 },
          { candidateId: 'bob', votes: 20 },
        ],
      },
    ]);
    const byReason = await held('groupBy=reason');
    expect(byReason.body.groups?.map((g) => [g.key, g.label, g.votes])).toEqual([
      ['deviceAccounts', 'rule deviceAccounts', 150],
      ['ipAccounts', 'rule ipAccounts', 100],
    ]);
  });
});
