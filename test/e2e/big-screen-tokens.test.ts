import { connectMongo } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import type { ScreenTokenResponse } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { waitForState } from '../support/big-screen-fixture.js';
import { launchChromium, openPage } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../support/stack.js';

// An unlisted campaign's screen token: it travels in the address's fragment (which no browser
// sends) and in a header, so no request line and no access log holds it; and the host can revoke
// every token of a campaign at once, which closes even a screen that is showing.
const config = testConfig();
/** Every line the server logs, the access log's included (at debug, where it logs successes). */
const logged: string[] = [];
let mongo: Connection;
let server: TestServer;
let browser: Browser;
let host: TestHost;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  const logger = createLogger({ logLevel: 'debug' }, 'server', 'test', {
    write: (line: string) => void logged.push(line),
  });
  [server, browser] = await Promise.all([startTestServer(config, mongo, { logger }), launchChromium()]);
  host = await createTestHost(server);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await mongo?.close();
});

async function unlistedCampaign(): Promise<string> {
  const campaignId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
  await createLiveCampaign(mongo, campaignId, {
    candidateIds: ['alice', 'bob'],
    visibility: 'unlisted',
    createdBy: host.id,
  });
  return campaignId;
}

async function screenToken(campaignId: string): Promise<ScreenTokenResponse> {
  const issued = await call<ScreenTokenResponse>(
    server,
    host.token,
    'POST',
    `/api/campaigns/${campaignId}/screen-token`,
  );
  expect(issued.status).toBe(200);
  return issued.body;
}

/** The screen's address as the host got it, on the test server. */
const local = (url: string) => {
  const { pathname, search, hash } = new URL(url);
  return `${server.url}${pathname}${search}${hash}`;
};

describe('screen tokens', () => {
  it('travel in the fragment and a header: no request line and no access log line holds one', async () => {
    const campaignId = await unlistedCampaign();
    const { token, url } = await screenToken(campaignId);
    expect(url).toMatch(new RegExp(`/screen/${campaignId}#token=`));

    const { page, context, errors } = await openPage(browser, local(url));
    await waitForState(page, 'live');
    // The join code comes with the token too (a QR code of the campaign's address here).
    await page.waitForFunction(() => {
      const img = document.getElementById('join-code') as HTMLImageElement | null;
      return (img?.complete ?? false) && (img?.naturalWidth ?? 0) > 0;
    });
    await context.close();

    const lines = logged.filter((line) => line.includes(campaignId));
    expect(lines.some((line) => line.includes(`"url":"/screen/${campaignId}`))).toBe(true);
    expect(lines.some((line) => line.includes(`"url":"/api/screens/${campaignId}/join-code`))).toBe(true);
    expect(logged.filter((line) => line.includes(token))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('still open an old link with the token in the query, moved to the fragment at once; the API takes it only in its header', async () => {
    const campaignId = await unlistedCampaign();
    const { token } = await screenToken(campaignId);
    const { page, context } = await openPage(browser, `${server.url}/screen/${campaignId}?token=${token}`);
    await waitForState(page, 'live');
    expect(new URL(page.url()).search).toBe('');
    expect(new URL(page.url()).hash).toBe(`#token=${token}`);
    await context.close();
    expect((await fetch(`${server.url}/api/screens/${campaignId}?token=${token}`)).status).toBe(403);
    const read = await fetch(`${server.url}/api/screens/${campaignId}`, {
      headers: { 'x-screen-token': token },
    });
    expect(read.status).toBe(200);
    expect(logged.filter((line) => line.includes(token))).toEqual([]);
  });

  it('are revoked by the host: a revoked token opens no screen, and a screen showing closes', async () => {
    const campaignId = await unlistedCampaign();
    const first = await screenToken(campaignId);
    const showing = await openPage(browser, local(first.url));
    await waitForState(showing.page, 'live');

    const revoked = await call(
      server,
      host.token,
      'POST',
      `/api/campaigns/${campaignId}/screen-token/revoke`,
    );
    expect(revoked.status).toBe(200);
    await waitForState(showing.page, 'error');
    expect(await showing.page.getAttribute('#screen', 'data-error')).toBe('SCREEN_TOKEN_INVALID');
    // The error stays: the screen's clock (every 500 ms) does not draw the old ranking back.
    await showing.page.waitForTimeout(1_500);
    expect(await showing.page.getAttribute('#screen', 'data-state')).toBe('error');
    await showing.context.close();

    const again = await openPage(browser, local(first.url));
    await waitForState(again.page, 'error');
    expect(await again.page.getAttribute('#screen', 'data-error')).toBe('SCREEN_TOKEN_INVALID');
    await again.context.close();
    const read = await fetch(`${server.url}/api/screens/${campaignId}`, {
      headers: { 'x-screen-token': first.token },
    });
    expect(read.status).toBe(403);

    // A token issued after the revocation opens it.
    const next = await openPage(browser, local((await screenToken(campaignId)).url));
    await waitForState(next.page, 'live');
    await next.context.close();

    const audit = await call<{ entries: { action: string }[] }>(
      server,
      host.token,
      'GET',
      `/api/campaigns/${campaignId}/audit`,
    );
    expect(audit.body.entries.map((e) => e.action)).toContain('campaign.screen-token.revoke');
  });
});
