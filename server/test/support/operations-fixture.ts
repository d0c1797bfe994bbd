import type { CampaignView, ErrorBody } from '@rallyboard/core/protocol';
import { readBoardMeta, readMembers } from '@rallyboard/core/redis';
import { afterAll, beforeAll, expect } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { call, campaignBody, createTestHost, type TestHost } from './hosts.js';

/**
 * What the tests of the campaign operations share (they were one file, operations.test.ts): a
 * server and a host, the host's calls that create, change and move a campaign, and reads of its
 * board in Redis. Each test file that imports this has a config, a database and a key prefix of
 * its own.
 */

export const config = testConfig();
export let server: TestServer;
export let host: TestHost;

/** Starts the file's server and makes its host before its tests; closes the server after. */
export function useOperationsServer(): void {
  beforeAll(async () => {
    server = await startTestServer(config);
    host = await createTestHost(server);
  });
  afterAll(async () => {
    await server.close();
  });
}

export async function create(
  overrides: Record<string, unknown> = {},
  as: TestHost = host,
): Promise<CampaignView> {
  const answer = await call<CampaignView>(server, as.token, 'POST', '/api/campaigns', {
    ...campaignBody(),
    ...overrides,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}
export const patch = (id: string, body: unknown) =>
  call<CampaignView>(server, host.token, 'PATCH', `/api/campaigns/${id}`, body);
export const move = (id: string, status: string) =>
  call<CampaignView>(server, host.token, 'POST', `/api/campaigns/${id}/status`, { status });
export const meta = (id: string) => readBoardMeta(server.deps.redis, server.deps.keys, id);
export const members = async (id: string) =>
  (await readMembers(server.deps.redis, server.deps.keys, id)).sort();
export const fieldPaths = (body: unknown) =>
  ((body as ErrorBody).error.details as { path: string }[]).map((d) => d.path);

/** Moves a fresh campaign to `live` through the routes. */
export async function liveCampaign(overrides: Record<string, unknown> = {}): Promise<CampaignView> {
  const campaign = await create(overrides);
  expect((await move(campaign.id, 'scheduled')).status).toBe(200);
  expect((await move(campaign.id, 'live')).status).toBe(200);
  return campaign;
}
