import { type CampaignDoc, connectMongo, ledgerModel, readLedgerState } from '@rallyboard/core/db';
import type { ReviewAction } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, expect } from 'vitest';
import { call, createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { createLiveCampaign } from './campaigns.js';
import { testConfig } from './config.js';
import { participantToken } from './participants.js';
import { eventually, seedBoard, startTestServer, startTestWorker, type TestServer } from './stack.js';
import { readRanking } from './votes.js';

/**
 * What the risk-review tests share (they were one file, test/e2e/risk-review.test.ts): each test
 * file's own config (its key prefix and database), server, vote worker and host; live campaigns;
 * votes from simulated voters; review actions followed to their end; and the check that Redis's
 * ranking is what the ledger says.
 */

// Requests come from 127.0.0.1; X-Forwarded-For gives each simulated voter its own address.
export const config = testConfig({ TRUST_PROXY: 'loopback' });
export let mongo: Connection;
export let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
export let host: TestHost;

/** Starts the file's server, vote worker and host before its tests and closes them after. */
export function useRiskReviewStack(): void {
  beforeAll(async () => {
    mongo = await connectMongo(config.mongo.uri, 'test');
    server = await startTestServer(config, mongo);
    worker = await startTestWorker(config, mongo);
    host = await createTestHost(server);
  });
  afterAll(async () => {
    await worker.close();
    await server.close();
    await mongo.close();
  });
}

/** A live campaign of `host` with alice, bob and carol, and its board. */
export async function liveCampaign(fields: Partial<CampaignDoc> = {}): Promise<string> {
  const candidateIds = ['alice', 'bob', 'carol'];
  const campaignId = await seedBoard(config, server.deps.redis, mongo, candidateIds, {
    kind: fields.kind ?? 'vote',
  });
  await createLiveCampaign(mongo, campaignId, {
    candidateIds,
    kind: fields.kind ?? 'vote',
    createdBy: host.id,
    ...fields,
  });
  return campaignId;
}

interface Voter {
  participantId: string;
  ip: string;
  deviceId: string;
  dwellMs: number;
}

export async function vote(
  campaignId: string,
  candidateId: string,
  voter: Voter,
  action: 'vote' | 'like' = 'vote',
): Promise<string> {
  const res = await fetch(`${server.url}/api/boards/${campaignId}/votes`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await participantToken(config, voter.participantId)}`,
      'x-forwarded-for': voter.ip,
      'x-device-id': voter.deviceId,
    },
    body: JSON.stringify({ candidateId, dwellMs: voter.dwellMs, ...(action === 'vote' ? {} : { action }) }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { voteId: string }).voteId;
}

export const decided = (campaignId: string, n: number) =>
  eventually(
    async () => (await ledgerModel(mongo).countDocuments({ boardId: campaignId })) >= n,
    20_000,
    `${n} votes decided`,
  );

async function finished(campaignId: string, action: ReviewAction): Promise<ReviewAction> {
  let last = action;
  await eventually(
    async () => {
      last = (
        await call<ReviewAction>(
          server,
          host.token,
          'GET',
          `/api/campaigns/${campaignId}/review/actions/${action.id}`,
        )
      ).body;
      return last.state === 'done';
    },
    20_000,
    `review action ${action.id} done`,
  );
  return last;
}

/** Asks for a review action (answered 202) and follows it to its end. */
export async function reviewed(
  campaignId: string,
  path: 'review' | 'review/void-by-rule',
  body: unknown,
): Promise<ReviewAction> {
  const answer = await call<ReviewAction>(
    server,
    host.token,
    'POST',
    `/api/campaigns/${campaignId}/${path}`,
    body,
  );
  expect(answer.status).toBe(202);
  return finished(campaignId, answer.body);
}

/** Waits until `count` of the campaign's votes are held. */
export const held = (campaignId: string, count: number, what: string) =>
  eventually(
    async () =>
      (await ledgerModel(mongo).countDocuments({ boardId: campaignId, 'review.state': 'held' })) === count,
    20_000,
    what,
  );

/** Redis's ranking equals what the ledger says it should be: nothing counted twice or lost. */
export async function expectLedgerMatchesRanking(campaignId: string) {
  const state = await readLedgerState(ledgerModel(mongo), campaignId);
  const ranking = await readRanking(server.url, campaignId);
  expect(ranking.totals.votes).toBe(state.all.total);
  for (const entry of ranking.entries) {
    expect(entry.score, entry.candidateId).toBe(state.all.members.get(entry.candidateId)?.count ?? 0);
  }
}
