import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../support/stack.js';

const config = testConfig();
let mongo: Connection;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  [server, browser] = await Promise.all([startTestServer(config, mongo), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await mongo?.close();
});

describe('the big screen page', () => {
  it('is served at /screen/:campaignId and runs in Chromium', async () => {
    const campaignId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    await createLiveCampaign(mongo, campaignId);
    const { page, context, errors } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await page.locator('#screen').waitFor();
    expect(await page.title()).toContain('排行榜');
    expect(errors).toEqual([]);
    await context.close();
  });
});
